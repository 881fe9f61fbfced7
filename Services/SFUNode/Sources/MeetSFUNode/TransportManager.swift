import Logging
import MeetProtocol
import MeetRTC
import NIOCore

/// Owns every peer connection of the node on its one UDP socket: creates
/// publisher and subscriber transports for control requests, applies hard
/// mutes, closes transports (announcing each end as an
/// ``SFUTransportClosedEvent``), retires migrated publishers, and runs the
/// RTCP timer.
///
/// All state lives on the socket's event loop (where every `PeerConnection`
/// callback runs); the async methods hop there once per control request,
/// never per packet.
public final class TransportManager: @unchecked Sendable {
    /// Where transport-closed events go (the bus in production, a closure in tests).
    public typealias EventSink = @Sendable (SFUTransportClosedEvent) -> Void
    /// Told the node's transport count (publishers + subscribers) after each change.
    public typealias CountObserver = @Sendable (Int) -> Void

    public let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    let nodeId: String
    /// What publishers' answers keep: transport-wide CC included (unless
    /// `MEET_SFU_TRANSPORT_CC=false`), since the node reports arrivals back
    /// (``PublisherTransport``, every ~50 ms) and the browser's congestion
    /// controller runs on them.
    let publisherPolicy: MediaPolicy
    /// REMB from the node's receive-side estimate to publishers with
    /// `goog-remb` and no transport-wide feedback (`MEET_SFU_REMB`).
    let receiverEstimate: Bool
    /// What subscriber offers carry: no transport-wide CC, since the node
    /// runs no send-side estimator that would use the subscriber's feedback.
    let subscriberPolicy = MediaPolicy.withoutTransportCC
    /// How long a retired publisher waits for its subscribers to move (`MEET_SFU_MIGRATION_TIMEOUT_MS`).
    let migrationTimeout: Duration
    private let events: EventSink
    // MARK: Event-loop state
    var publishers: [String: PublisherTransport] = [:]
    var subscribers: [String: SubscriberTransport] = [:]
    /// Participant id → its newest publisher transport (the one subscribers get).
    var newestPublisher: [String: String] = [:]
    /// Hard mutes in force: participant id → muted sources (also for transports created later).
    var mutes: [String: Set<SFUTrackSource>] = [:]
    /// Retired publisher transports (`sfu.retire-transport`) → when they close regardless.
    var retired: [String: ContinuousClock.Instant] = [:]
    private var countObserver: CountObserver?
    private let closeMetrics = TransportCloseMetrics()
    let counters = NodeTrafficCounters()
    let plane: ForwardingPlane
    private var draining = false
    private var timer: RepeatedTask?
    private var ticks = 0

    /// RTCP timer period: NACK retries and released keyframe requests run on it.
    static let tickInterval = TimeAmount.milliseconds(20)
    /// Receiver reports to publishers every this many ticks (1 s).
    static let ticksPerReport = 50

    public init(
        socket: RTCSocket, configuration: RTCConfiguration, logger: Logger, nodeId: String = "local",
        migrationTimeout: Duration = .seconds(10), transportWideFeedback: Bool = true, receiverEstimate: Bool = true,
        events: @escaping EventSink = { _ in }
    ) {
        self.socket = socket
        self.receiverEstimate = receiverEstimate
        self.publisherPolicy = transportWideFeedback ? MediaPolicy() : .withoutTransportCC
        self.migrationTimeout = migrationTimeout
        self.configuration = configuration
        self.logger = logger
        self.nodeId = nodeId
        self.events = events
        plane = ForwardingPlane(counters: counters)
        timer = socket.eventLoop.scheduleRepeatedTask(initialDelay: Self.tickInterval, delay: Self.tickInterval) {
            [weak self] task in
            guard let self else { return task.cancel() }
            self.tick()
        }
    }

    var loop: any EventLoop { socket.eventLoop }

    /// Stops taking new transports (SIGTERM); existing ones keep forwarding.
    public func startDraining() async {
        try? await loop.submit { self.draining = true }.get()
    }

    public var isDraining: Bool {
        get async { (try? await loop.submit { self.draining }.get()) ?? true }
    }

    func refuseWhileDraining() async throws {
        if try await loop.submit({ self.draining }).get() { throw SFUControlError.draining }
    }

    /// How many transports (publishers + subscribers) the node holds.
    public var transportCount: Int {
        get async { (try? await loop.submit { self.publishers.count + self.subscribers.count }.get()) ?? 0 }
    }

    /// Calls `observer` (on the event loop) with the transport count after
    /// every change from now on; returns the count now.
    public func observeTransportCount(_ observer: @escaping CountObserver) async -> Int {
        (try? await loop.submit {
            self.countObserver = observer
            return self.publishers.count + self.subscribers.count
        }.get()) ?? 0
    }

    /// Tells the observer the count (event loop; after a transport was added or removed).
    func transportsChanged() {
        countObserver?(publishers.count + subscribers.count)
    }

    /// Counts and totals for the load report.
    func snapshot() async throws -> TransportSnapshot {
        try await loop.submit {
            TransportSnapshot(
                publishers: self.publishers.count, subscribers: self.subscribers.count,
                packetsIn: self.counters.packetsIn, bytesIn: self.counters.bytesIn,
                packetsOut: self.counters.packetsOut, bytesOut: self.counters.bytesOut, draining: self.draining)
        }.get()
    }

    /// Closes everything (shutdown) and stops the RTCP timer.
    public func closeAll() async {
        try? await loop.submit {
            // Subscribers first, so theirs say `node_shutdown`, not `publisher_closed`.
            for subscriber in self.subscribers.values { self.closeSubscriber(subscriber, reason: .nodeShutdown) }
            for publisher in self.publishers.values { self.closePublisher(publisher, reason: .nodeShutdown) }
            self.timer?.cancel()
            self.timer = nil
        }.get()
    }

    // MARK: Event loop

    private func tick() {
        ticks &+= 1
        let now = ContinuousClock.now
        let reports = ticks % Self.ticksPerReport == 0
        for publisher in publishers.values { publisher.tick(now: now, reports: reports) }
        if !retired.isEmpty { closeExpiredRetirements(now: now) }
    }

    func closePublisher(_ publisher: PublisherTransport, reason: TransportCloseReason) {
        guard publishers.removeValue(forKey: publisher.id) != nil else { return }
        for subscriber in publisher.subscribers.values { closeSubscriber(subscriber, reason: .publisherClosed) }
        for subscriber in subscribers.values where subscriber.publisher === publisher {
            closeSubscriber(subscriber, reason: .publisherClosed)
        }
        if newestPublisher[publisher.participantId] == publisher.id {
            newestPublisher.removeValue(forKey: publisher.participantId)
        }
        retired.removeValue(forKey: publisher.id)
        publisher.close(reason: reason.rawValue)
        closeMetrics.closed(role: .publisher, reason: reason.rawValue)
        events(SFUTransportClosedEvent(
            nodeId: nodeId, transportId: publisher.id, role: .publisher, participantId: publisher.participantId,
            roomId: publisher.roomId, reason: reason.rawValue))
        transportsChanged()
    }

    func closeSubscriber(_ subscriber: SubscriberTransport, reason: TransportCloseReason) {
        guard subscribers.removeValue(forKey: subscriber.id) != nil else { return }
        subscriber.publisher?.subscribers.removeValue(forKey: subscriber.id)
        subscriber.detach()
        subscriber.close(reason: reason.rawValue)
        closeMetrics.closed(role: .subscriber, reason: reason.rawValue)
        events(SFUTransportClosedEvent(
            nodeId: nodeId, transportId: subscriber.id, role: .subscriber, participantId: subscriber.participantId,
            publisherParticipantId: subscriber.publisher?.participantId, reason: reason.rawValue))
        if let publisher = subscriber.publisher { closeIfRetiredAndUnused(publisher) }
        transportsChanged()
    }

    func publisherEnded(_ id: String, state: PeerConnectionState) {
        guard let publisher = publishers[id] else { return }
        logger.info("publisher transport ended", metadata: ["transport": "\(id)", "state": "\(state)"])
        closePublisher(publisher, reason: TransportCloseReason(ended: state))
    }

    func subscriberEnded(_ id: String, state: PeerConnectionState) {
        guard let subscriber = subscribers[id] else { return }
        logger.info("subscriber transport ended", metadata: ["transport": "\(id)", "state": "\(state)"])
        closeSubscriber(subscriber, reason: TransportCloseReason(ended: state))
    }
}

/// Counts and cumulative traffic at one instant (rates come from two of them).
struct TransportSnapshot: Sendable, Equatable {
    var publishers: Int
    var subscribers: Int
    var packetsIn: Int
    var bytesIn: Int
    var packetsOut: Int
    var bytesOut: Int
    var draining: Bool
}
