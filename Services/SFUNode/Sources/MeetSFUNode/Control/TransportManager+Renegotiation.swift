import Logging
import MeetProtocol
import MeetRTC
import NIOCore

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

    /// A new offer on a subscriber transport (``SubscriberControl``).
    func renegotiateSubscriber(_ request: RenegotiateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await subscriberControl.renegotiateSubscriber(request)
    }
}
