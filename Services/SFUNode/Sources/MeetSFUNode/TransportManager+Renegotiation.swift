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
        let found = try await loop.submit { self.publishers[request.transportId] }.get()
        guard let publisher = found, let connection = publisher.connection else {
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
            var sources = Self.sources(of: remote, requested: request.sources)
            // A section that stays keeps its source unless the request names one.
            for track in remote where request.sources?[track.mid] == nil {
                if let previous = publisher.sources[track.mid] { sources[track.mid] = previous }
            }
            publisher.sources = sources
            publisher.reapplyMutes()
            return Self.tracks(of: publisher)
        }.get()
        logger.info("publisher renegotiated", metadata: ["transport": "\(publisher.id)", "tracks": "\(tracks.count)"])
        return CreatePublisherReply(transportId: publisher.id, answer: answer, tracks: tracks)
    }

    /// A new offer on a subscriber transport mirroring its publisher's
    /// current tracks: kept sections stay, gone ones are removed (port 0),
    /// new ones appended. The client answers with `sfu.subscriber-answer`.
    func renegotiateSubscriber(_ request: RenegotiateSubscriberRequest) async throws -> CreateSubscriberReply {
        typealias Plan = (
            subscriber: SubscriberTransport, connection: PeerConnection, kinds: [MeetRTC.MediaKind], removing: Set<String>,
            kept: [String: String], added: [String], published: [SFUTrack]
        )
        let found = try await loop.submit { () -> Plan? in
            guard let subscriber = self.subscribers[request.transportId], let connection = subscriber.connection else { return nil }
            guard let publisher = subscriber.publisher, self.publishers[publisher.id] != nil else {
                throw SFUControlError.unknownPublisher(subscriber.publisher?.participantId ?? "")
            }
            let current = subscriber.sections
            let published = Set(publisher.remoteTracks.map(\.mid))
            var kinds: [MeetRTC.MediaKind] = []
            var removing: Set<String> = []
            var kept: [String: String] = [:]
            for local in connection.localTracks {
                if let publisherMid = current.first(where: { $0.value == local.mid })?.key, published.contains(publisherMid) {
                    kinds.append(local.kind)
                    kept[publisherMid] = local.mid
                } else {
                    removing.insert(local.mid)
                }
            }
            let added = publisher.remoteTracks.filter { kept[$0.mid] == nil }
            kinds += added.map(\.kind)
            return (subscriber, connection, kinds, removing, kept, added.map(\.mid), Self.tracks(of: publisher))
        }.get()
        guard let plan = found else { throw SFUControlError.unknownTransport(request.transportId) }
        let offer: String
        do {
            offer = try await plan.connection.createReoffer(
                kinds: plan.kinds, removing: plan.removing, iceRestart: request.iceRestart, policy: subscriberPolicy)
        } catch {
            throw SFUControlError.badSDP("\(error)")
        }
        // The appended sections, in order, carry the added publisher tracks.
        let newMids = try await loop.submit { plan.subscriber.midsAddedByPendingOffer() }.get()
        guard newMids.count == plan.added.count else {
            await plan.connection.rollbackOffer()
            throw SFUControlError.badSDP("the re-offer has \(newMids.count) new sections for \(plan.added.count) new tracks")
        }
        var sections = plan.kept
        for (publisherMid, mid) in zip(plan.added, newMids) { sections[publisherMid] = mid }
        try await loop.submit {
            plan.subscriber.adoptOfferedExtensionIDs()
            plan.subscriber.pendingSections = sections
        }.get()
        logger.info("subscriber re-offer", metadata: [
            "transport": "\(request.transportId)", "iceRestart": "\(request.iceRestart)", "sections": "\(sections.count)",
        ])
        return CreateSubscriberReply(
            transportId: request.transportId, offer: offer, tracks: Self.subscriberTracks(plan.published, sections: sections))
    }
}
