import MeetProtocol
import MeetRTC

/// `sfu.renegotiate-publisher` and `sfu.renegotiate-subscriber`: a second
/// offer/answer on a live transport (RFC 8829 §5.2.2, §5.3.2) when a
/// publisher adds or removes a track (screen share) or restarts ICE
/// (RFC 8839 §4.4.1.1.1). DTLS, SRTP and the tracks that stay keep going;
/// a subscriber's kept tracks keep their down-tracks and numbering.
extension TransportManager {
    /// Answers a publisher's re-offer on its transport (same transport id).
    func renegotiatePublisher(_ request: RenegotiatePublisherRequest) async throws -> CreatePublisherReply {
        // The connection is the loop's (nil once it ended): read it there.
        let found = try await loop.submit { () -> (PublisherTransport, PeerConnection)? in
            guard let publisher = self.registry.publishers[request.transportId], let connection = publisher.connection
            else { return nil }
            return (publisher, connection)
        }.get()
        guard let (publisher, connection) = found else {
            throw SFUControlError.unknownTransport(request.transportId)
        }
        let answer: String
        do {
            answer = try await connection.acceptReoffer(request.offer, policy: publisherPolicy)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        let tracks = try await loop.submit { () -> [SFUTrack] in
            publisher.adoptNegotiatedExtensionIDs()
            let remote = publisher.remoteTracks
            var sources = TrackListing.sources(of: remote, requested: request.sources)
            // A section that stays keeps its source unless the request names one.
            for track in remote where request.sources?[track.mid] == nil {
                if let previous = publisher.sources[track.mid] { sources[track.mid] = previous }
            }
            publisher.sources = sources
            publisher.reapplyMutes()
            return TrackListing.tracks(of: publisher)
        }.get()
        logger.info("publisher renegotiated", metadata: ["transport": "\(publisher.id)", "tracks": "\(tracks.count)"])
        return CreatePublisherReply(transportId: publisher.id, answer: answer, tracks: tracks)
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
        var sections: [SubscribedTrack: String] = [:]
        for (mid, section) in byPublisherMid { sections[SubscribedTrack(publisher: found.publisher, mid: mid)] = section }
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
}
