import Foundation
import MeetProtocol

/// What a simulated participant asks to see (last-N, docs/signaling.md
/// "Last-N"), as the web client does: the tiles of its current page (the
/// room's video publishers in the order they appeared, `pageSize` a page),
/// then active speakers in the slots left under the limit. Sans-I/O.
struct VideoPage: Sendable, Equatable {
    /// Videos at most (`--video-limit`); nil: no `video-preferences` at
    /// all, every video forwarded (the protocol before last-N).
    var limit: Int?
    /// Tiles on the page (`--page-size`, the web client's 3 × 3 = 9).
    var pageSize: Int
    /// Fill free slots with active speakers (`--follow-speakers`).
    var followSpeakers: Bool
    /// The largest picture a tile needs, in pixels.
    var maxHeight: Int
    /// Seconds between page turns (`--page-turn-seconds`); nil: stays on the first page.
    var turnEvery: Double? = nil
    /// `--resize-seconds`/`--resize-height`: every `resizeEvery` seconds the
    /// tiles switch between `maxHeight` and `resizedHeight` (a person
    /// enlarging and shrinking the grid); nil: never.
    var resizedHeight: Int? = nil
    var resizeEvery: Double? = nil

    /// Pages for `videos` videos (at least one).
    func pageCount(videos: Int) -> Int { max(1, (videos + pageSize - 1) / pageSize) }

    /// The preferences for the room's video publishers (participant and
    /// source, in order), or nil when last-N is off.
    /// `page` counts from 0 and wraps around the pages there are.
    /// `resized`: the tiles are at `resizedHeight` now.
    func preferences(videos: [VideoSelectionData.Video], page: Int = 0, resized: Bool = false) -> VideoPreferencesRequest? {
        guard let limit else { return nil }
        let maxHeight = resized ? resizedHeight ?? maxHeight : maxHeight
        let first = (page % pageCount(videos: videos.count)) * pageSize
        let tiles = videos.dropFirst(first).prefix(min(pageSize, VideoPreferencesRequest.maxTiles)).map {
            VideoPreferencesRequest.Tile(participantId: $0.participantId, source: $0.source, maxHeight: maxHeight)
        }
        return VideoPreferencesRequest(
            limit: limit, tiles: Array(tiles),
            speakers: followSpeakers ? VideoPreferencesRequest.Speakers(follow: true, maxHeight: maxHeight) : nil)
    }
}
