import Logging
public import MeetProtocol
import MeetRTC
import MeetSFU
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

    /// Offers a publisher's tracks on a new subscriber transport, or adds
    /// them to a node connection (``SubscriberControl``).
    public func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await subscriberControl.createSubscriber(request)
    }

    /// Applies a subscriber's answer (``SubscriberControl``).
    public func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws {
        try await subscriberControl.acceptSubscriberAnswer(request)
    }

    /// Takes a publisher off a node connection (``SubscriberControl``).
    func removeSubscription(_ request: RemoveSubscriptionRequest) async throws -> RemoveSubscriptionReply {
        try await subscriberControl.removeSubscription(request)
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

    /// Last-N: replaces the video selection of each listed subscriber
    /// connection (``SubscriberTransport/applyVideoSelection(_:)``). An
    /// unknown transport (closed meanwhile) is skipped; an oversized
    /// selection is `bad_request` and nothing of the request is applied.
    func setVideoSelection(_ request: SetVideoSelectionRequest) async throws -> SetVideoSelectionReply {
        try await loop.submit {
            let known = request.selections.compactMap { selection in
                self.registry.subscribers[selection.transportId].map { (selection, $0) }
            }
            let limit = known.first?.1.videoSelection.maximumTargets ?? 0
            if let oversized = known.first(where: { $0.0.forward.count > limit }) {
                throw SFUControlError.badRequest(
                    "video selection of \(oversized.0.transportId): \(oversized.0.forward.count) targets, at most \(limit)")
            }
            var changed = 0
            for (selection, subscriber) in known {
                changed += (try? subscriber.applyVideoSelection(selection.forward)) ?? 0
            }
            self.logger.debug("video selection", metadata: [
                "connections": "\(known.count)", "changed": "\(changed)",
            ])
            return SetVideoSelectionReply(applied: known.map(\.0.transportId))
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
