import Foundation
import MeetProtocol

/// The room's published videos as one socket needs them for last-N: whose
/// and which source (camera, screen). Filled from the room's presence once
/// (the first `video-preferences`) and kept current by the room's `tracks`
/// events; a socket that never sends `video-preferences` keeps none.
/// Bounded by the room: one entry per publisher, at most two sources each.
struct VideoRoster: Sendable, Equatable {
    private var sources: [UUID: Set<SFUTrackSource>] = [:]

    init(tracks: [TrackInfo] = []) {
        for track in tracks {
            guard let source = Self.videoSource(track.kind) else { continue }
            sources[track.participantId, default: []].insert(source)
        }
    }

    /// A participant's tracks changed (`tracks`: all of them now; none when it stopped publishing).
    mutating func update(_ event: TracksEvent) {
        let videos = Set(event.tracks.compactMap { Self.videoSource($0.kind) })
        sources[event.participantId] = videos.isEmpty ? nil : videos
    }

    /// Every published video of the publishers in `carried`.
    func videos(of carried: Set<UUID>) -> Set<VideoSelectionResolver.Video> {
        var videos: Set<VideoSelectionResolver.Video> = []
        for publisher in carried {
            for source in sources[publisher] ?? [] { videos.insert(.init(participantId: publisher, source: source)) }
        }
        return videos
    }

    static func videoSource(_ kind: MediaKind) -> SFUTrackSource? {
        switch kind {
        case .camera: .camera
        case .screen: .screen
        case .mic: nil
        }
    }
}

/// One socket's last-N state, sans I/O (#15 item 3, docs/signaling.md
/// "Last-N"): its preference, the room's videos and speakers as last heard,
/// what each of its node connections was last sent, and what its client was
/// last told. ``VideoSelectionDriver`` feeds it events and carries out the
/// rounds it returns. Before the first `video-preferences` it holds nothing
/// and a round does nothing: the node forwards everything, as for older clients.
struct VideoSelectionState: Sendable {
    /// What one round asks for.
    struct Round: Sendable, Equatable {
        /// Node id → the changed selections of this socket's connections there
        /// (one `sfu.set-video-selection` per node).
        var requests: [String: [SFUVideoSelection]] = [:]
        /// The client's new `video-selection`, when it changed (or was asked for).
        var forwarding: VideoSelectionData?
    }

    private(set) var preference: VideoPreference?
    /// Nil until the first preference loads it.
    var roster: VideoRoster?
    /// The room's active speakers, loudest first, as last heard.
    private(set) var speakers: [UUID] = []
    private var book = VideoSelectionBook()
    private var told: VideoSelectionData?

    /// Whether the socket ever sent `video-preferences` (rounds only run then).
    var isActive: Bool { preference != nil }

    mutating func prefer(_ preference: VideoPreference) {
        self.preference = preference
    }

    /// The room's `active-speakers` event. True when it could change the
    /// selection (the preference follows speakers and the ranking moved).
    mutating func speakersChanged(_ event: ActiveSpeakers) -> Bool {
        let ranking = event.speakers.map(\.participantId)
        guard ranking != speakers else { return false }
        speakers = ranking
        return preference?.followSpeakers == true
    }

    /// The room's `tracks` event. True when a round should follow.
    mutating func tracksChanged(_ event: TracksEvent) -> Bool {
        guard roster != nil else { return false }
        roster?.update(event)
        return true
    }

    /// A request carrying these selections failed: send them whole next round.
    mutating func failed(_ selections: [SFUVideoSelection]) {
        for selection in selections { book.forget(transportId: selection.transportId) }
    }

    /// Resolves the preference against the room and the socket's
    /// subscriptions now. `reply`: the client asked (`video-preferences`),
    /// so ``Round/forwarding`` is set even when unchanged.
    mutating func round(subscriber: UUID, subscriptions: [SubscriptionRecord], reply: Bool = false) -> Round {
        guard let preference, let roster else { return Round() }
        let carried = Set(subscriptions.map(\.publisherParticipantId))
        let resolved = VideoSelectionResolver.resolve(
            preference, subscriber: subscriber, speakers: speakers, publishing: roster.videos(of: carried))
        book.retain(Set(subscriptions.map(\.transportId)))
        let nodes = Dictionary(subscriptions.map { ($0.transportId, $0.nodeId) }, uniquingKeysWith: { first, _ in first })
        var round = Round(requests: book.changes(
            VideoSelectionResolver.perConnection(resolved, subscriptions: subscriptions), nodeOfTransport: nodes))
        let forwarding = VideoSelectionData(forwarding: resolved.map {
            VideoSelectionData.Video(participantId: $0.participantId, source: $0.source == .screen ? .screen : .camera)
        })
        if reply || forwarding != told {
            told = forwarding
            round.forwarding = forwarding
        }
        return round
    }
}
