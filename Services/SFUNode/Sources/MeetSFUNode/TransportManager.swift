import Logging
import MeetProtocol
import MeetRTC
import NIOCore

/// Owns every peer connection of the node on its one UDP socket: creates
/// publisher and subscriber transports for control requests, closes them,
/// and counts what it forwards.
///
/// All state lives on the socket's event loop (where every `PeerConnection`
/// callback runs); the async methods hop there once per control request,
/// never per packet.
public final class TransportManager: @unchecked Sendable {
    public let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    /// The media policy of both directions: no transport-wide CC, since this
    /// node sends no TWCC feedback.
    let policy = MediaPolicy.withoutTransportCC
    // MARK: Event-loop state
    private var publishers: [String: PublisherTransport] = [:]
    private var subscribers: [String: SubscriberTransport] = [:]
    /// Participant id → its newest publisher transport (the one subscribers get).
    private var newestPublisher: [String: String] = [:]
    private let counters = TrafficCounters()
    private var draining = false

    public init(socket: RTCSocket, configuration: RTCConfiguration, logger: Logger) {
        self.socket = socket
        self.configuration = configuration
        self.logger = logger
    }

    private var loop: any EventLoop { socket.eventLoop }

    /// Answers a publisher's offer with a new transport.
    func createPublisher(_ request: CreatePublisherRequest) async throws -> CreatePublisherReply {
        try await refuseWhileDraining()
        var logger = logger
        logger[metadataKey: "participant"] = "\(request.participantId)"
        logger[metadataKey: "room"] = "\(request.roomId)"
        let publisher = PublisherTransport(
            participantId: request.participantId, roomId: request.roomId, counters: counters,
            logger: logger, onEnd: { [weak self] id in self?.publisherEnded(id) })
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: publisher, logger: logger)
        publisher.attach(connection)
        let answer: String
        do {
            answer = try await connection.acceptOffer(request.offer, sendBack: false, policy: policy)
        } catch {
            await connection.closeAsync(reason: "bad offer")
            throw SFUControlError.badSDP("\(error)")
        }
        let extensionIDs = ExtensionIDMap.extensions(inSDP: answer)
        try await loop.submit {
            publisher.extensionIDs = extensionIDs
            self.publishers[publisher.id] = publisher
            self.newestPublisher[publisher.participantId] = publisher.id
        }.get()
        logger.info("publisher transport created", metadata: ["transport": "\(publisher.id)"])
        return CreatePublisherReply(transportId: publisher.id, answer: answer)
    }

    /// Offers the tracks of `publisherParticipantId`'s newest publisher transport.
    func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await refuseWhileDraining()
        let found = try await loop.submit { () -> (PublisherTransport, [RemoteTrack])? in
            guard let id = self.newestPublisher[request.publisherParticipantId], let publisher = self.publishers[id] else {
                return nil
            }
            return (publisher, publisher.remoteTracks)
        }.get()
        guard let (publisher, tracks) = found, !tracks.isEmpty else {
            throw SFUControlError.unknownPublisher(request.publisherParticipantId)
        }
        var logger = logger
        logger[metadataKey: "participant"] = "\(request.participantId)"
        let subscriber = SubscriberTransport(
            participantId: request.participantId, publisher: publisher, counters: counters,
            logger: logger, onEnd: { [weak self] id in self?.subscriberEnded(id) })
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: subscriber, logger: logger)
        subscriber.attach(connection)
        let offer = try await connection.createOffer(kinds: tracks.map(\.kind), direction: .sendonly, policy: policy)
        let offeredExtensionIDs = ExtensionIDMap.extensions(inSDP: offer)
        try await loop.submit {
            subscriber.offeredExtensionIDs = offeredExtensionIDs
            self.subscribers[subscriber.id] = subscriber
        }.get()
        logger.info("subscriber transport created", metadata: ["transport": "\(subscriber.id)", "publisher": "\(publisher.id)"])
        return CreateSubscriberReply(transportId: subscriber.id, offer: offer)
    }

    /// Applies a subscriber's answer and starts forwarding to it.
    func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws {
        let found = try await loop.submit { self.subscribers[request.transportId] }.get()
        guard let subscriber = found, let connection = subscriber.connection else {
            throw SFUControlError.unknownTransport(request.transportId)
        }
        do {
            try await connection.acceptAnswer(request.answer)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        try await loop.submit {
            guard let publisher = subscriber.publisher, self.publishers[publisher.id] != nil else {
                subscriber.close(reason: "publisher gone")
                return
            }
            subscriber.installRoutes(publisherTracks: publisher.remoteTracks, publisherExtensionIDs: publisher.extensionIDs)
            publisher.subscribers[subscriber.id] = subscriber
        }.get()
    }

    /// Closes one transport; closing a publisher also closes its subscribers.
    func close(transportId: String) async throws -> Int {
        try await loop.submit {
            if let publisher = self.publishers[transportId] {
                let count = 1 + publisher.subscribers.count
                self.closePublisher(publisher, reason: "closed by control")
                return count
            }
            if let subscriber = self.subscribers[transportId] {
                self.closeSubscriber(subscriber, reason: "closed by control")
                return 1
            }
            throw SFUControlError.unknownTransport(transportId)
        }.get()
    }

    /// Closes every transport the participant holds here, and the subscribers of its publishers.
    func close(participantId: String) async throws -> Int {
        try await loop.submit {
            var count = 0
            for publisher in self.publishers.values where publisher.participantId == participantId {
                count += 1 + publisher.subscribers.count
                self.closePublisher(publisher, reason: "participant closed")
            }
            for subscriber in self.subscribers.values where subscriber.participantId == participantId {
                count += 1
                self.closeSubscriber(subscriber, reason: "participant closed")
            }
            return count
        }.get()
    }

    /// Stops taking new transports (SIGTERM); existing ones keep forwarding.
    public func startDraining() async {
        try? await loop.submit { self.draining = true }.get()
    }

    public var isDraining: Bool {
        get async { (try? await loop.submit { self.draining }.get()) ?? true }
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

    /// Closes everything (shutdown).
    public func closeAll() async {
        try? await loop.submit {
            for publisher in self.publishers.values { self.closePublisher(publisher, reason: "node shutting down") }
            for subscriber in self.subscribers.values { self.closeSubscriber(subscriber, reason: "node shutting down") }
        }.get()
    }

    // MARK: Event loop

    private func refuseWhileDraining() async throws {
        if try await loop.submit({ self.draining }).get() { throw SFUControlError.draining }
    }

    private func closePublisher(_ publisher: PublisherTransport, reason: String) {
        for subscriber in publisher.subscribers.values { closeSubscriber(subscriber, reason: "publisher closed") }
        for subscriber in subscribers.values where subscriber.publisher === publisher {
            closeSubscriber(subscriber, reason: "publisher closed")
        }
        publishers.removeValue(forKey: publisher.id)
        if newestPublisher[publisher.participantId] == publisher.id {
            newestPublisher.removeValue(forKey: publisher.participantId)
        }
        publisher.close(reason: reason)
    }

    private func closeSubscriber(_ subscriber: SubscriberTransport, reason: String) {
        subscribers.removeValue(forKey: subscriber.id)
        subscriber.publisher?.subscribers.removeValue(forKey: subscriber.id)
        subscriber.close(reason: reason)
    }

    private func publisherEnded(_ id: String) {
        guard let publisher = publishers[id] else { return }
        closePublisher(publisher, reason: "publisher ended")
    }

    private func subscriberEnded(_ id: String) {
        guard let subscriber = subscribers[id] else { return }
        closeSubscriber(subscriber, reason: "subscriber ended")
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
