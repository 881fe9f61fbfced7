import Foundation
import MeetProtocol

/// One subscriber's video preference as its client sent it (the planned
/// `video-preferences` message, docs/dev/last-n-design.md): the tiles of its
/// page in the order it prefers them, whether the slots left under `limit`
/// follow the room's active speakers, and how large those may be.
struct VideoPreference: Sendable, Equatable {
    struct Tile: Sendable, Hashable {
        var participantId: UUID
        var source: SFUTrackSource
        /// Pixels; 0 = do not send.
        var maxHeight: Int
    }

    var limit: Int
    var tiles: [Tile]
    var followSpeakers: Bool
    var speakerMaxHeight: Int
}

/// Last-N in meet-ws (#15 item 3): turns a subscriber's ``VideoPreference``
/// and the room's state into the videos it receives, split by node.
/// Sans-I/O and stateless; ``VideoSelectionBook`` keeps what was sent.
///
/// The policy lives here, not on the nodes, because a room spans nodes: each
/// node only hears its own publishers' speech, while `limit` is per person.
/// Order: the page's tiles first (the client's order; a pinned tile first),
/// then active speakers by rank (camera, `speakerMaxHeight`), skipping the
/// subscriber itself, videos nobody publishes, tiles with height 0 and
/// duplicates; at most `limit` in all.
enum VideoSelectionResolver {
    /// Whose video: participant and source.
    struct Video: Sendable, Hashable {
        var participantId: UUID
        var source: SFUTrackSource
    }

    /// The videos `subscriber` should receive, in priority order.
    /// `speakers`: the room's ranking, loudest first; `publishing`: the
    /// videos published in the room now.
    static func resolve(
        _ preference: VideoPreference, subscriber: UUID, speakers: [UUID], publishing: Set<Video>
    ) -> [VideoPreference.Tile] {
        let limit = max(0, preference.limit)
        var chosen: [VideoPreference.Tile] = []
        var seen: Set<Video> = []
        func take(_ tile: VideoPreference.Tile) {
            let video = Video(participantId: tile.participantId, source: tile.source)
            guard chosen.count < limit, tile.maxHeight > 0, tile.participantId != subscriber,
                  publishing.contains(video), seen.insert(video).inserted
            else { return }
            chosen.append(tile)
        }
        for tile in preference.tiles { take(tile) }
        if preference.followSpeakers {
            for speaker in speakers {
                take(VideoPreference.Tile(participantId: speaker, source: .camera, maxHeight: preference.speakerMaxHeight))
            }
        }
        return chosen
    }

    /// Splits a resolved list by the subscriber's connections: each video
    /// goes to every connection that carries its publisher (`subscriptions`:
    /// the socket's records, one per publisher per connection). Every
    /// connection gets a selection, an empty one when none of its videos is
    /// chosen (pause them all). During a migration a publisher is carried by
    /// the old and the new connection at once, and both forward it
    /// (make-before-break: both for a moment, never neither); a video whose
    /// publisher no connection carries yet is left out (its subscription is
    /// still being made; the round after it names it). Participant ids go
    /// lower-case, as the SFU contract names publishers.
    static func perConnection(_ resolved: [VideoPreference.Tile], subscriptions: [SubscriptionRecord]) -> [SFUVideoSelection] {
        var carried: [String: Set<UUID>] = [:]
        for subscription in subscriptions { carried[subscription.transportId, default: []].insert(subscription.publisherParticipantId) }
        return carried.keys.sorted().map { transportId in
            let publishers = carried[transportId] ?? []
            return SFUVideoSelection(transportId: transportId, forward: resolved.filter { publishers.contains($0.participantId) }.map {
                SFUVideoTarget(participantId: $0.participantId.uuidString.lowercased(), source: $0.source, maxHeight: $0.maxHeight)
            })
        }
    }
}

/// What each subscriber connection was last sent, so a round (a new
/// preference, a speaker change, a publisher starting or stopping video)
/// sends only the selections that changed, grouped by node: one
/// `sfu.set-video-selection` per node per round, however large the room.
/// Bounded: one entry per live connection; ``forget(transportId:)`` when it closes.
struct VideoSelectionBook: Sendable {
    private var sent: [String: [SFUVideoTarget]] = [:]

    /// Keeps the selections that differ from the last sent (per node id)
    /// and records them as sent. `nodeOfTransport`: transport id → node.
    mutating func changes(
        _ selections: [SFUVideoSelection], nodeOfTransport: [String: String]
    ) -> [String: [SFUVideoSelection]] {
        var byNode: [String: [SFUVideoSelection]] = [:]
        for selection in selections where sent[selection.transportId] != selection.forward {
            guard let node = nodeOfTransport[selection.transportId] else { continue }
            sent[selection.transportId] = selection.forward
            byNode[node, default: []].append(selection)
        }
        return byNode
    }

    /// The connection closed (or moved), or the request carrying its
    /// selection failed: its next selection is sent whole.
    mutating func forget(transportId: String) {
        sent[transportId] = nil
    }

    /// Forgets every connection not in `live` (closed since the last round).
    mutating func retain(_ live: Set<String>) {
        sent = sent.filter { live.contains($0.key) }
    }

    var count: Int { sent.count }
}

extension VideoPreference {
    /// The bounds meet-ws holds a client to.
    enum Invalid: Error, Equatable {
        case tooManyTiles(count: Int, limit: Int)
    }

    /// A client's `video-preferences`, bounded: more tiles than `maxTiles`
    /// is refused (a clear error, nothing kept); `limit` is clamped to
    /// 0...`maxLimit`; a `mic` tile (no video) is dropped.
    init(
        _ request: VideoPreferencesRequest, maxTiles: Int = VideoPreferencesRequest.maxTiles, maxLimit: Int = 25
    ) throws(Invalid) {
        guard request.tiles.count <= maxTiles else { throw .tooManyTiles(count: request.tiles.count, limit: maxTiles) }
        self.init(
            limit: min(max(0, request.limit), maxLimit),
            tiles: request.tiles.compactMap { tile in
                let source: SFUTrackSource? = switch tile.source {
                case .camera: .camera
                case .screen: .screen
                case .mic: nil
                }
                return source.map { Tile(participantId: tile.participantId, source: $0, maxHeight: max(0, tile.maxHeight)) }
            },
            followSpeakers: request.speakers?.follow ?? false,
            speakerMaxHeight: max(0, request.speakers?.maxHeight ?? 0))
    }
}
