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

    /// The publisher's tracks as a subscriber offer carries them: the same
    /// track ids, `mid` the offer's section for each, in section order.
    static func subscriberTracks(_ published: [SFUTrack], sections: [String: String]) -> [SFUTrack] {
        published.compactMap { track -> SFUTrack? in
            guard let mid = sections[track.mid] else { return nil }
            var track = track
            track.mid = mid
            return track
        }.sorted { (Int($0.mid) ?? 0, $0.mid) < (Int($1.mid) ?? 0, $1.mid) }
    }

    /// The publisher's tracks (event loop).
    static func tracks(of publisher: PublisherTransport) -> [SFUTrack] {
        publisher.remoteTracks.map { track in
            let source = publisher.source(ofMid: track.mid) ?? (track.kind == .audio ? .mic : .camera)
            return SFUTrack(
                id: "\(publisher.id):\(track.mid)", mid: track.mid, kind: track.kind.rawValue, source: source,
                codec: track.codecs.first?.name ?? "", muted: publisher.isMuted(mid: track.mid))
        }
    }
}
