public import Logging
public import MeetProtocol
public import MeetRTC
public import NIOCore

/// The node's transports behind its control requests (`sfu.*`, see
/// ``ControlHandler``): a façade over four collaborators, each with one job,
/// all on the socket's event loop (where every `PeerConnection` callback
/// runs):
///
/// - ``TransportRegistry``: the transports by id, and closing them
///   (announced as ``SFUTransportClosedEvent``s).
/// - ``RTCPTicker``: the timer that runs each publisher's feedback and
///   reports, and expires retirements: every 20 ms while there is work,
///   once a second while there is none (``TickCadence``).
/// - ``RetirementBook``: retired publishers' deadlines and the node's drain.
/// - ``SubscriberControl``: the subscriber requests (per-publisher
///   transports and per-node connections).
/// - ``AudioLevelReporter``: the rooms' speaker levels to ServerWS, on the
///   same timer.
/// - ``PublisherLayerReporter``: dynacast, the simulcast layers each
///   publisher should send, to ServerWS on the same timer.
///
/// The async methods hop to the loop once per control request, never per
/// packet; the packets go through the ``ForwardingPlane``.
///
/// Confinement (``EventLoopConfined``): everything under "Event-loop state"
/// belongs to the socket's loop. `Sendable` so the control handler's tasks
/// can call the async methods, which reach that state only inside
/// `loop.submit`; the loop-side methods (the tick, retirement expiry)
/// assert the loop in debug builds.
public final class TransportManager: EventLoopConfined, @unchecked Sendable {
    /// Where transport-closed events go (the bus in production, a closure in tests).
    public typealias EventSink = @Sendable (SFUTransportClosedEvent) -> Void
    /// Told the node's transport count (publishers + subscribers) after each change.
    public typealias CountObserver = @Sendable (Int) -> Void

    public let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    /// What publishers' answers keep: transport-wide CC included (unless
    /// `MEET_SFU_TRANSPORT_CC=false`), since the node reports arrivals back
    /// (``PublisherTransport``, every ~50 ms) and the browser's congestion
    /// controller runs on them.
    let publisherPolicy: MediaPolicy
    /// REMB from the node's receive-side estimate to publishers with
    /// `goog-remb` and no transport-wide feedback (`MEET_SFU_REMB`).
    let receiverEstimate: Bool
    /// What subscriber offers carry: transport-wide CC too (unless
    /// `MEET_SFU_TRANSPORT_CC=false`), since the node numbers what it sends
    /// each subscriber and estimates the path from its feedback
    /// (`SubscriberTransport+Bandwidth`, #16 item 3).
    let subscriberPolicy: MediaPolicy
    let counters = NodeTrafficCounters()
    let plane: ForwardingPlane
    // MARK: Event-loop state
    let registry: TransportRegistry
    var retirements: RetirementBook
    /// Hard mutes in force: participant id → muted sources (also for transports created later).
    var mutes: [String: Set<SFUTrackSource>] = [:]
    private var ticker: RTCPTicker?
    /// The loudest participant per room, from the last audio-level round (room → participant id).
    private var speakers: [String: String] = [:]
    /// The subscriber requests (set at the end of `init`, never changed).
    private(set) var subscriberControl: SubscriberControl!
    /// Active-speaker levels to ServerWS (`MEET_SFU_AUDIO_LEVEL_INTERVAL_MS`).
    let audioLevels: AudioLevelReporter
    /// Dynacast (`MEET_SFU_DYNACAST_PAUSE_MS`).
    let publisherLayers: PublisherLayerReporter

    public init(
        socket: RTCSocket, configuration: RTCConfiguration, logger: Logger, nodeId: String = "local",
        migrationTimeout: Duration = .seconds(10), transportWideFeedback: Bool = true, receiverEstimate: Bool = true,
        events: @escaping EventSink = { _ in },
        audioLevelInterval: Duration = .milliseconds(200), audioLevels: @escaping @Sendable (SFUAudioLevelsEvent) -> Void = { _ in },
        dynacastPauseDelay: Duration? = nil,
        publisherLayers: @escaping @Sendable (SFUPublisherLayersEvent) -> Void = { _ in }
    ) {
        self.socket = socket
        self.receiverEstimate = receiverEstimate
        // Publishers may send up to 3 simulcast layers (#16); each subscriber gets one.
        var publisherPolicy = transportWideFeedback ? MediaPolicy() : .withoutTransportCC
        publisherPolicy.simulcastLayers = MediaPolicy.maximumSimulcastLayers
        // Publishers' retransmissions come on RTX streams (RFC 4588), routed
        // as the media packets they repeat (MeetSFU `Router+Repair`).
        publisherPolicy.acceptsRTX = true
        self.publisherPolicy = publisherPolicy
        // Subscribers are offered RTX (RFC 4588) on video: retransmissions and padding probes go on it.
        var subscriberPolicy = transportWideFeedback ? MediaPolicy() : .withoutTransportCC
        subscriberPolicy.offersRTX = true
        self.subscriberPolicy = subscriberPolicy
        self.configuration = configuration
        self.logger = logger
        plane = ForwardingPlane(counters: counters, eventLoop: socket.eventLoop)
        registry = TransportRegistry(nodeId: nodeId, events: events)
        self.audioLevels = AudioLevelReporter(nodeId: nodeId, interval: audioLevelInterval, sink: audioLevels)
        self.publisherLayers = PublisherLayerReporter(nodeId: nodeId, pauseDelay: dynacastPauseDelay, sink: publisherLayers)
        retirements = RetirementBook(migrationTimeout: migrationTimeout)
        // A transport added or closed is work for the timer (first
        // feedback, the last reports of departed transports).
        let activity = plane.activity
        registry.publisherClosed = { [unowned self] publisher in
            activity.noteWork()
            retirements.forget(publisher.id)
        }
        registry.subscriberClosed = { [unowned self] publisher in
            activity.noteWork()
            closeIfRetiredAndUnused(publisher)
        }
        registry.transportAdded = { activity.noteWork() }
        ticker = RTCPTicker(loop: socket.eventLoop, activity: activity) { [weak self] now, reports in
            self?.tick(now: now, reports: reports) ?? .empty
        }
        subscriberControl = SubscriberControl(
            loop: socket.eventLoop, registry: registry, socket: socket, configuration: configuration, plane: plane,
            subscriberPolicy: subscriberPolicy, logger: logger,
            refuseWhileDraining: { [unowned self] in try await refuseWhileDraining() },
            publisherUnused: { [unowned self] publisher in closeIfRetiredAndUnused(publisher) })
        subscriberControl.audioSlotsEnabled = audioLevelInterval > .zero
    }

    public var eventLoop: any EventLoop { socket.eventLoop }
    var loop: any EventLoop { socket.eventLoop }

    /// Stops taking new transports (SIGTERM); existing ones keep forwarding.
    public func startDraining() async {
        try? await loop.submit { self.retirements.startDraining() }.get()
    }

    public var isDraining: Bool {
        get async { (try? await loop.submit { self.retirements.isDraining }.get()) ?? true }
    }

    func refuseWhileDraining() async throws {
        if try await loop.submit({ self.retirements.isDraining }).get() { throw SFUControlError.draining }
    }

    /// How many transports (publishers + subscribers) the node holds.
    public var transportCount: Int {
        get async { (try? await loop.submit { self.registry.count }.get()) ?? 0 }
    }

    /// Calls `observer` (on the event loop) with the transport count after
    /// every change from now on; returns the count now.
    public func observeTransportCount(_ observer: @escaping CountObserver) async -> Int {
        (try? await loop.submit { self.registry.observeCount(observer) }.get()) ?? 0
    }

    /// Counts and totals for the load report.
    func snapshot() async throws -> TransportSnapshot {
        try await loop.submit {
            TransportSnapshot(
                publishers: self.registry.publishers.count, subscribers: self.registry.subscribers.count,
                packetsIn: self.counters.packetsIn, bytesIn: self.counters.bytesIn,
                packetsOut: self.counters.packetsOut, bytesOut: self.counters.bytesOut,
                draining: self.retirements.isDraining)
        }.get()
    }

    /// Closes everything (shutdown) and stops the RTCP timer.
    public func closeAll() async {
        try? await loop.submit {
            self.registry.closeAll()
            self.ticker?.stop()
            self.ticker = nil
        }.get()
    }

    /// The RTCP timer (event loop): runs what is due and says whether the
    /// worker has work within the next second (the timer's pace, ``TickCadence``).
    /// A publisher with no arrivals lately and nothing pending is visited
    /// only on report ticks (``PublisherTransport/tick(now:reports:)``).
    private func tick(now: ContinuousClock.Instant, reports: Bool) -> TickCadence.Load {
        assertOnOwningLoop()
        var busy = plane.activity.takeWork() || !retirements.isEmpty
        for publisher in registry.publishers.values {
            if publisher.tick(now: now, reports: reports) { busy = true }
        }
        if let levels = audioLevels.tick(now: now, publishers: registry.publishers.values) {
            for subscriber in registry.subscribers.values where subscriber.audioSlots.count > 0 {
                subscriber.roundAudioSlots(levels: levels, now: now)
            }
            speakers = loudestSpeakers(levels)
        }
        for subscriber in registry.subscribers.values {
            subscriber.allocateBandwidth(speaker: speakers[subscriber.roomId], now: now)
        }
        publisherLayers.tick(now: now, publishers: registry.publishers.values)
        if !retirements.isEmpty { closeExpiredRetirements(now: now) }
        // A room's "went quiet" report is still to go: its levels fall over a few rounds.
        if audioLevels.hasSpeakers { busy = true }
        return busy ? .busy : registry.count == 0 ? .empty : .quiet
    }

    /// The participant heard loudest in each room (room → participant id),
    /// from a round of audio levels (higher is louder): the allocator's active speaker.
    private func loudestSpeakers(_ levels: [SubscribedTrack: Int]) -> [String: String] {
        var loudest: [String: (participant: String, level: Int)] = [:]
        for (track, level) in levels {
            guard let publisher = registry.publishers[track.publisher] else { continue }
            if level > loudest[publisher.roomId]?.level ?? 0 {
                loudest[publisher.roomId] = (publisher.participantId, level)
            }
        }
        return loudest.mapValues(\.participant)
    }

    /// Whether the worker's RTCP timer runs (tests: it pauses while idle).
    var isTicking: Bool {
        get async { (try? await loop.submit { self.ticker?.isRunning ?? false }.get()) ?? false }
    }

    /// The pace of the worker's RTCP timer, and how often work woke it (tests).
    var tickPace: (pace: TickCadence.Pace, wakes: Int) {
        get async { (try? await loop.submit { (self.ticker?.pace ?? .paused, self.ticker?.wakes ?? 0) }.get()) ?? (.paused, 0) }
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
