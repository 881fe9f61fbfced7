import MeetProtocol
import MeetRTC

/// A publisher's tracks as the wire contract lists them (`SFUTrack`, in
/// `sfu.create-publisher` and `sfu.create-subscriber` replies): which source
/// each section carries, and a subscriber offer's view of them.
enum TrackListing {
    /// mid → source: the request's, else the defaults by section order.
    static func sources(of tracks: [RemoteTrack], requested: [String: SFUTrackSource]?) -> [String: SFUTrackSource] {
        let defaults = SFUTrackSource.defaults(kinds: tracks.map(\.kind.rawValue))
        var sources: [String: SFUTrackSource] = [:]
        for (track, fallback) in zip(tracks, defaults) { sources[track.mid] = requested?[track.mid] ?? fallback }
        return sources
    }

    /// Publishers' tracks as a subscriber offer carries them: the same
    /// track ids, `mid` the offer's section for each, in section order;
    /// tracks without a section are left out.
    static func subscriberTracks(_ published: [SFUTrack], sections: [SubscribedTrack: String]) -> [SFUTrack] {
        var bySection: [String: String] = [:]
        for (track, mid) in sections { bySection[track.description] = mid }
        return published.compactMap { track -> SFUTrack? in
            guard let mid = bySection[track.id] else { return nil }
            var track = track
            track.mid = mid
            return track
        }.sorted { SubscriberSectionPlan.midOrder($0.mid, $1.mid) }
    }

    /// The publisher's tracks (event loop); `owned` names the publisher on
    /// each (for node connections, which carry several).
    static func tracks(of publisher: PublisherTransport, owned: Bool = false) -> [SFUTrack] {
        publisher.remoteTracks.map { track in
            let source = publisher.source(ofMid: track.mid) ?? (track.kind == .audio ? .mic : .camera)
            return SFUTrack(
                id: "\(publisher.id):\(track.mid)", mid: track.mid, kind: track.kind.rawValue, source: source,
                codec: track.codecs.first?.name ?? "", muted: publisher.isMuted(mid: track.mid),
                participantId: owned ? publisher.participantId : nil)
        }
    }
}
