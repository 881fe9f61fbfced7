import Logging
import MeetProtocol
import MeetRTC
import NIOCore

/// The subscriber side of the node's control requests: subscriber
/// transports in both shapes, one per publisher or one per node
/// (`perNode`: one PeerConnection carries every publisher a participant
/// watches on this node; adding or removing a publisher is a re-offer on it,
/// and idle m-lines are reused, ``SubscriberSectionPlan``). The node is
/// always the offerer, so one offer at a time: a second change before the
/// answer is refused with `bad_sdp` and meet-ws retries it after the answer.
///
/// Owned by ``TransportManager``, which forwards `sfu.create-subscriber`,
/// `sfu.subscriber-answer`, `sfu.renegotiate-subscriber` and
/// `sfu.remove-subscription` here. Its state is the manager's registry, on
/// the socket's event loop (one hop per request, as the manager does).
final class SubscriberControl: @unchecked Sendable {
    let loop: any EventLoop
    let registry: TransportRegistry
    let socket: RTCSocket
    let configuration: RTCConfiguration
    let plane: ForwardingPlane
    /// What subscriber offers carry (transport-wide CC included, see ``TransportManager``).
    let subscriberPolicy: MediaPolicy
    let logger: Logger
    /// Throws ``SFUControlError/draining`` while the node drains.
    let refuseWhileDraining: @Sendable () async throws -> Void
    /// Event loop: a publisher lost a subscriber (a retired one may close now).
    let publisherUnused: (PublisherTransport) -> Void
    /// Audio slots follow the active-speaker rounds; with those off
    /// (`MEET_SFU_AUDIO_LEVEL_INTERVAL_MS=0`) a slot would never change
    /// speaker, so connections keep a section per publisher's audio.
    var audioSlotsEnabled = true

    init(
        loop: any EventLoop, registry: TransportRegistry, socket: RTCSocket, configuration: RTCConfiguration,
        plane: ForwardingPlane, subscriberPolicy: MediaPolicy, logger: Logger,
        refuseWhileDraining: @escaping @Sendable () async throws -> Void,
        publisherUnused: @escaping (PublisherTransport) -> Void
    ) {
        self.loop = loop
        self.registry = registry
        self.socket = socket
        self.configuration = configuration
        self.plane = plane
        self.subscriberPolicy = subscriberPolicy
        self.logger = logger
        self.refuseWhileDraining = refuseWhileDraining
        self.publisherUnused = publisherUnused
    }

    /// Offers the tracks of `publisherParticipantId`'s newest publisher
    /// transport on a new subscriber transport, or (`perNode` with a
    /// `transportId`) adds them to an existing node connection.
    func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await refuseWhileDraining()
        if request.perNode == true, let transportId = request.transportId {
            return try await addSubscription(request, transportId: transportId)
        }
        let found = try await loop.submit { () -> (PublisherTransport, [SFUTrack])? in
            guard let publisher = self.registry.newestPublisher(of: request.publisherParticipantId),
                  !publisher.remoteTracks.isEmpty
            else { return nil }
            return (publisher, TrackListing.tracks(of: publisher, owned: request.perNode == true))
        }.get()
        guard let (publisher, publishedTracks) = found else {
            throw SFUControlError.unknownPublisher(request.publisherParticipantId)
        }
        var logger = logger
        logger[metadataKey: "participant"] = "\(request.participantId)"
        let subscriber = SubscriberTransport(
            participantId: request.participantId, publisher: publisher, perNode: request.perNode == true, plane: plane,
            logger: logger, onEnd: { [weak registry, logger] id, state in registry?.subscriberEnded(id, state: state, logger: logger) })
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: subscriber, logger: logger)
        subscriber.attach(connection)
        // A node connection may have audio slots (the slot sections first, no publisher's audio).
        let wanted = try await loop.submit { () -> [(track: SubscribedTrack, kind: MeetRTC.MediaKind)] in
            if subscriber.perNode { subscriber.setAudioSlots(self.audioSlotsEnabled ? request.audioSlots ?? 0 : 0) }
            return subscriber.wantedTracks
        }.get()
        let offer = try await connection.createOffer(kinds: wanted.map(\.kind), direction: .sendonly, policy: subscriberPolicy)
        let sections = SubscriberTransport.initialSections(for: wanted.map(\.track))
        let slotMids = try await loop.submit { () -> [String] in
            subscriber.adoptOfferedExtensionIDs()
            subscriber.pendingSections = sections
            subscriber.register()
            self.registry.add(subscriber)
            return subscriber.audioSlots.mids(in: sections)
        }.get()
        let tracks = TrackListing.subscriberTracks(publishedTracks, sections: sections)
        logger.info("subscriber transport created", metadata: [
            "transport": "\(subscriber.id)", "publisher": "\(publisher.id)", "perNode": "\(subscriber.perNode)",
        ])
        return CreateSubscriberReply(
            transportId: subscriber.id, offer: offer, tracks: tracks, audioSlots: slotMids.isEmpty ? nil : slotMids)
    }

    /// Applies a subscriber's answer; forwarding starts once it is connected.
    func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws {
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

    /// A new offer on a subscriber transport mirroring its publisher's
    /// current tracks (``SubscriberReofferPlan``), or, on a node connection,
    /// its publishers' (``SubscriberSectionPlan``). The client answers with
    /// `sfu.subscriber-answer`.
    func renegotiateSubscriber(_ request: RenegotiateSubscriberRequest) async throws -> CreateSubscriberReply {
        typealias Found = (
            subscriber: SubscriberTransport, connection: PeerConnection, plan: SubscriberReofferPlan,
            publisher: String, published: [SFUTrack]
        )
        let perNode = try await loop.submit { self.registry.subscribers[request.transportId]?.perNode == true }.get()
        if perNode { return try await reofferNodeConnection(request.transportId, iceRestart: request.iceRestart) }
        let found = try await loop.submit { () -> Found? in
            guard let subscriber = self.registry.subscribers[request.transportId], let connection = subscriber.connection else {
                return nil
            }
            guard let publisher = subscriber.publisher, self.registry.publishers[publisher.id] != nil else {
                throw SFUControlError.unknownPublisher(subscriber.publisher?.participantId ?? "")
            }
            var sections: [String: String] = [:]
            for (track, mid) in subscriber.sections where track.publisher == publisher.id { sections[track.mid] = mid }
            let plan = SubscriberReofferPlan(
                sections: sections, localTracks: connection.localTracks, publisherTracks: publisher.remoteTracks)
            return (subscriber, connection, plan, publisher.id, TrackListing.tracks(of: publisher))
        }.get()
        guard let found else { throw SFUControlError.unknownTransport(request.transportId) }
        let offer: String
        do {
            offer = try await found.connection.createReoffer(
                kinds: found.plan.kinds, removing: found.plan.removing, iceRestart: request.iceRestart, policy: subscriberPolicy)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        // The appended sections, in order, carry the added publisher tracks.
        let byPublisherMid = try await appendedSections(
            of: found.subscriber, connection: found.connection, expected: found.plan.added.count, found.plan.sections(newMids:))
        let sections = Dictionary(
            uniqueKeysWithValues: byPublisherMid.map { (SubscribedTrack(publisher: found.publisher, mid: $0.key), $0.value) })
        let subscriber = found.subscriber
        try await loop.submit {
            subscriber.adoptOfferedExtensionIDs()
            subscriber.pendingSections = sections
        }.get()
        logger.info("subscriber re-offer", metadata: [
            "transport": "\(request.transportId)", "iceRestart": "\(request.iceRestart)", "sections": "\(sections.count)",
        ])
        return CreateSubscriberReply(
            transportId: request.transportId, offer: offer, tracks: TrackListing.subscriberTracks(found.published, sections: sections))
    }

    /// `sfu.create-subscriber` with `perNode` and `transportId`: adds the
    /// publisher's tracks to the participant's node connection.
    func addSubscription(_ request: CreateSubscriberRequest, transportId: String) async throws -> CreateSubscriberReply {
        let added = try await loop.submit { () -> (SubscriberTransport, PublisherTransport, Bool) in
            guard let subscriber = self.registry.subscribers[transportId], subscriber.perNode,
                  subscriber.participantId == request.participantId, subscriber.connection != nil
            else { throw SFUControlError.unknownTransport(transportId) }
            guard let publisher = self.registry.newestPublisher(of: request.publisherParticipantId),
                  !publisher.remoteTracks.isEmpty
            else { throw SFUControlError.unknownPublisher(request.publisherParticipantId) }
            let isNew = !subscriber.carries(publisher)
            subscriber.carry(publisher)
            if let slots = request.audioSlots { subscriber.setAudioSlots(self.audioSlotsEnabled ? slots : 0) }
            return (subscriber, publisher, isNew)
        }.get()
        do {
            return try await reofferNodeConnection(transportId, iceRestart: false)
        } catch {
            // Nothing changed on the wire: forget the publisher again.
            let (subscriber, publisher, isNew) = added
            if isNew { _ = try? await loop.submit { subscriber.drop(publisher) }.get() }
            throw error
        }
    }

    /// `sfu.remove-subscription`: takes a publisher off a node connection
    /// (its tracks stop at once; their m-lines go idle in the re-offer, or,
    /// with `reoffer: false`, in the connection's next offer). A
    /// connection left with nothing is closed (`closed_by_request`). The
    /// batched form (`publisherParticipantIds`) takes them all off in one
    /// step, with at most one re-offer, and lists them in `removed`.
    func removeSubscription(_ request: RemoveSubscriptionRequest) async throws -> RemoveSubscriptionReply {
        let named = request.publishers
        guard named.count <= RemoveSubscriptionRequest.maximumBatch else {
            throw SFUControlError.badRequest("at most \(RemoveSubscriptionRequest.maximumBatch) publishers per removal")
        }
        let removing = Set(named)
        let removed = request.publisherParticipantIds == nil ? nil : named
        let empty = try await loop.submit { () -> Bool in
            guard let subscriber = self.registry.subscribers[request.transportId], subscriber.perNode,
                  request.participantId.map({ $0 == subscriber.participantId }) ?? true
            else { throw SFUControlError.unknownTransport(request.transportId) }
            for publisher in subscriber.publishers where removing.contains(publisher.participantId) {
                subscriber.drop(publisher)
                self.publisherUnused(publisher)
            }
            guard subscriber.publishers.isEmpty else { return false }
            self.registry.closeSubscriber(subscriber, reason: .closedByRequest)
            return true
        }.get()
        if empty { return RemoveSubscriptionReply(transportId: request.transportId, offer: nil, closed: true, removed: removed) }
        if request.reoffer == false {
            return RemoveSubscriptionReply(transportId: request.transportId, offer: nil, closed: false, removed: removed)
        }
        let reply = try await reofferNodeConnection(request.transportId, iceRestart: false)
        return RemoveSubscriptionReply(
            transportId: reply.transportId, offer: reply.offer, tracks: reply.tracks, audioSlots: reply.audioSlots,
            removed: removed)
    }

    /// A re-offer on a node connection that carries exactly its publishers'
    /// current tracks; the reply lists every track it carries.
    func reofferNodeConnection(_ transportId: String, iceRestart: Bool) async throws -> CreateSubscriberReply {
        typealias Found = (
            subscriber: SubscriberTransport, connection: PeerConnection, plan: SubscriberSectionPlan, published: [SFUTrack]
        )
        let found = try await loop.submit { () -> Found? in
            guard let subscriber = self.registry.subscribers[transportId], let connection = subscriber.connection else {
                return nil
            }
            let plan = SubscriberSectionPlan(
                sections: subscriber.sections, kinds: subscriber.sectionKinds, idle: subscriber.idleSections,
                wanted: subscriber.wantedTracks)
            return (subscriber, connection, plan, subscriber.publishers.flatMap { TrackListing.tracks(of: $0, owned: true) })
        }.get()
        guard let found else { throw SFUControlError.unknownTransport(transportId) }
        let offer: String
        do {
            offer = try await found.connection.createReoffer(
                changes: found.plan.changes, appending: found.plan.appending, iceRestart: iceRestart, policy: subscriberPolicy)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        let sections = try await appendedSections(
            of: found.subscriber, connection: found.connection, expected: found.plan.added.count, found.plan.sections(newMids:))
        let subscriber = found.subscriber
        let slotMids = try await loop.submit { () -> [String] in
            subscriber.adoptOfferedExtensionIDs()
            subscriber.pendingSections = sections
            subscriber.pendingIdleSections = found.plan.idle
            return subscriber.audioSlots.mids(in: sections)
        }.get()
        logger.info("node connection re-offer", metadata: [
            "transport": "\(transportId)", "iceRestart": "\(iceRestart)", "tracks": "\(sections.count)",
            "reused": "\(found.plan.reused.count)", "appended": "\(found.plan.added.count)", "idle": "\(found.plan.idle.count)",
        ])
        return CreateSubscriberReply(
            transportId: transportId, offer: offer, tracks: TrackListing.subscriberTracks(found.published, sections: sections),
            audioSlots: slotMids.isEmpty ? nil : slotMids)
    }

    /// The section mapping of a pending re-offer from the sections it
    /// appended (in order); a re-offer whose appended sections do not match
    /// `expected` new tracks is rolled back and refused.
    func appendedSections<Mapping>(
        of subscriber: SubscriberTransport, connection: PeerConnection, expected: Int, _ mapping: ([String]) -> Mapping?
    ) async throws -> Mapping {
        let newMids = try await loop.submit { subscriber.midsAddedByPendingOffer() }.get()
        guard let sections = mapping(newMids) else {
            await connection.rollbackOffer()
            throw SFUControlError.badSDP("the re-offer has \(newMids.count) new sections for \(expected) new tracks")
        }
        return sections
    }
}
