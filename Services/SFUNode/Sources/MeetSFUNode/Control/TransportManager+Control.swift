import Logging
import MeetProtocol
import MeetRTC
import NIOCore

/// The control requests (`sfu.*` on the node's bus inbox), each one hop to
/// the event loop. Errors are ``SFUControlError``s, sent back with a stable code.
extension TransportManager {
    /// Answers a publisher's offer with a new transport and lists its tracks.
    public func createPublisher(_ request: CreatePublisherRequest) async throws -> CreatePublisherReply {
        try await refuseWhileDraining()
        var logger = logger
        logger[metadataKey: "participant"] = "\(request.participantId)"
        logger[metadataKey: "room"] = "\(request.roomId)"
        let muted = try await loop.submit { self.mutes[request.participantId] ?? [] }.get()
        let publisher = PublisherTransport(
            participantId: request.participantId, roomId: request.roomId, plane: plane, mutedSources: muted,
            logger: logger, onEnd: { [weak self, logger] id, state in self?.registry.publisherEnded(id, state: state, logger: logger) })
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: publisher, logger: logger)
        publisher.attach(connection)
        let answer: String
        do {
            answer = try await connection.acceptOffer(request.offer, sendBack: false, policy: publisherPolicy)
        } catch {
            await connection.closeAsync(reason: "bad offer")
            throw SFUControlError.badSDP("\(error)")
        }
        let tracks = try await loop.submit { () -> [SFUTrack] in
            publisher.adoptNegotiatedExtensionIDs()
            if self.receiverEstimate { publisher.startReceiverEstimateIfNegotiated() }
            publisher.sources = TrackListing.sources(of: publisher.remoteTracks, requested: request.sources)
            self.registry.add(publisher)
            return TrackListing.tracks(of: publisher)
        }.get()
        logger.info("publisher transport created", metadata: ["transport": "\(publisher.id)", "tracks": "\(tracks.count)"])
        return CreatePublisherReply(transportId: publisher.id, answer: answer, tracks: tracks)
    }

    /// Offers the tracks of `publisherParticipantId`'s newest publisher
    /// transport on a new subscriber transport, or (`perNode` with a
    /// `transportId`) adds them to an existing node connection.
    public func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await refuseWhileDraining()
        if request.perNode == true, let transportId = request.transportId {
            return try await addSubscription(request, transportId: transportId)
        }
        let found = try await loop.submit { () -> (PublisherTransport, [RemoteTrack], [SFUTrack])? in
            guard let publisher = self.registry.newestPublisher(of: request.publisherParticipantId) else { return nil }
            return (publisher, publisher.remoteTracks, TrackListing.tracks(of: publisher, owned: request.perNode == true))
        }.get()
        guard let (publisher, remoteTracks, publishedTracks) = found, !remoteTracks.isEmpty else {
            throw SFUControlError.unknownPublisher(request.publisherParticipantId)
        }
        var logger = logger
        logger[metadataKey: "participant"] = "\(request.participantId)"
        let subscriber = SubscriberTransport(
            participantId: request.participantId, publisher: publisher, perNode: request.perNode == true, plane: plane,
            logger: logger, onEnd: { [weak self, logger] id, state in self?.registry.subscriberEnded(id, state: state, logger: logger) })
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: subscriber, logger: logger)
        subscriber.attach(connection)
        let offer = try await connection.createOffer(kinds: remoteTracks.map(\.kind), direction: .sendonly, policy: subscriberPolicy)
        let sections = SubscriberTransport.initialSections(
            for: remoteTracks.map { SubscribedTrack(publisher: publisher.id, mid: $0.mid) })
        try await loop.submit {
            subscriber.adoptOfferedExtensionIDs()
            subscriber.pendingSections = sections
            subscriber.register()
            self.registry.add(subscriber)
        }.get()
        let tracks = TrackListing.subscriberTracks(publishedTracks, sections: sections)
        logger.info("subscriber transport created", metadata: [
            "transport": "\(subscriber.id)", "publisher": "\(publisher.id)", "perNode": "\(subscriber.perNode)",
        ])
        return CreateSubscriberReply(transportId: subscriber.id, offer: offer, tracks: tracks)
    }

    /// Applies a subscriber's answer; forwarding starts once it is connected.
    public func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws {
        // The connection is the loop's (nil once it ended): read it there.
        let found = try await loop.submit { () -> (SubscriberTransport, PeerConnection)? in
            guard let subscriber = self.registry.subscribers[request.transportId], let connection = subscriber.connection
            else { return nil }
            return (subscriber, connection)
        }.get()
        guard let (subscriber, connection) = found else {
            throw SFUControlError.unknownTransport(request.transportId)
        }
        do {
            try await connection.acceptAnswer(request.answer)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        try await loop.submit {
            // Ended while the answer was applied (ICE failed on it): already closed and announced.
            guard self.registry.subscribers[subscriber.id] === subscriber else { return }
            // A per-publisher transport follows its publisher; a node connection outlives each one.
            if !subscriber.perNode {
                guard let publisher = subscriber.publisher, self.registry.publishers[publisher.id] != nil else {
                    self.registry.closeSubscriber(subscriber, reason: .publisherClosed)
                    return
                }
            }
            subscriber.installRoutes()
        }.get()
    }

    /// A host's hard mute of one source of a participant, or its lifting:
    /// applies to its publisher transports now and to those created later.
    func setMute(_ request: SetMuteRequest) async throws -> SetMuteReply {
        try await loop.submit {
            var sources = self.mutes[request.participantId] ?? []
            if request.muted { sources.insert(request.source) } else { sources.remove(request.source) }
            self.mutes[request.participantId] = sources.isEmpty ? nil : sources
            var count = 0
            for publisher in self.registry.publishers.values where publisher.participantId == request.participantId {
                count += publisher.setMuted(request.muted, source: request.source)
            }
            self.logger.info("mute", metadata: [
                "participant": "\(request.participantId)", "source": "\(request.source.rawValue)",
                "muted": "\(request.muted)", "tracks": "\(count)",
            ])
            return SetMuteReply(tracks: count)
        }.get()
    }

    /// Closes one transport; closing a publisher also closes its subscribers.
    func close(transportId: String) async throws -> Int {
        try await loop.submit { try self.registry.close(transportId: transportId) }.get()
    }

    /// Closes every transport the participant holds here, and the subscribers of its publishers.
    func close(participantId: String) async throws -> Int {
        try await loop.submit { self.registry.close(participantId: participantId) }.get()
    }
}
