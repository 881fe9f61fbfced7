import MeetProtocol
import MeetRTC

/// Per-node subscriber connections (`perNode`): one PeerConnection carries
/// every publisher a participant watches on this node. Adding or removing a
/// publisher is a re-offer on it (the node is always the offerer, so one
/// offer at a time: a second change before the answer is refused with
/// `bad_sdp` and meet-ws retries it after the answer). Idle m-lines are
/// reused (``SubscriberSectionPlan``).
extension TransportManager {
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
            return (subscriber, publisher, isNew)
        }.get()
        do {
            return try await reofferNodeConnection(transportId, iceRestart: false)
        } catch {
            // Nothing changed on the wire: forget the publisher again.
            let (subscriber, publisher, isNew) = added
            if isNew { try? await loop.submit { subscriber.drop(publisher) }.get() }
            throw error
        }
    }

    /// `sfu.remove-subscription`: takes a publisher off a node connection
    /// (its tracks stop at once; their m-lines go idle in the re-offer). A
    /// connection left with nothing is closed (`closed_by_request`).
    func removeSubscription(_ request: RemoveSubscriptionRequest) async throws -> RemoveSubscriptionReply {
        let empty = try await loop.submit { () -> Bool in
            guard let subscriber = self.registry.subscribers[request.transportId], subscriber.perNode else {
                throw SFUControlError.unknownTransport(request.transportId)
            }
            for publisher in subscriber.publishers where publisher.participantId == request.publisherParticipantId {
                subscriber.drop(publisher)
                self.closeIfRetiredAndUnused(publisher)
            }
            guard subscriber.publishers.isEmpty else { return false }
            self.registry.closeSubscriber(subscriber, reason: .closedByRequest)
            return true
        }.get()
        if empty { return RemoveSubscriptionReply(transportId: request.transportId, offer: nil) }
        let reply = try await reofferNodeConnection(request.transportId, iceRestart: false)
        return RemoveSubscriptionReply(transportId: reply.transportId, offer: reply.offer, tracks: reply.tracks)
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
        try await loop.submit {
            subscriber.adoptOfferedExtensionIDs()
            subscriber.pendingSections = sections
            subscriber.pendingIdleSections = found.plan.idle
        }.get()
        logger.info("node connection re-offer", metadata: [
            "transport": "\(transportId)", "iceRestart": "\(iceRestart)", "tracks": "\(sections.count)",
            "reused": "\(found.plan.reused.count)", "appended": "\(found.plan.added.count)", "idle": "\(found.plan.idle.count)",
        ])
        return CreateSubscriberReply(
            transportId: transportId, offer: offer, tracks: TrackListing.subscriberTracks(found.published, sections: sections))
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
