public import Foundation

/// `video-preferences` (last-N, #15 item 3, docs/signaling.md "Last-N"):
/// which videos a client wants, replacing its previous preference whole
/// (idempotent: a lost or repeated one does no harm). Answered with
/// ``VideoSelectionData``.
public struct VideoPreferencesRequest: Codable, Sendable, Equatable {
    /// One tile of the client's current page.
    public struct Tile: Codable, Sendable, Equatable {
        public var participantId: UUID
        /// `camera` or `screen`.
        public var source: MediaKind
        /// The largest picture the tile needs, in pixels; 0: do not send.
        public var maxHeight: Int

        public init(participantId: UUID, source: MediaKind, maxHeight: Int) {
            self.participantId = participantId
            self.source = source
            self.maxHeight = maxHeight
        }
    }

    /// Fill the slots the tiles leave under `limit` with active speakers.
    public struct Speakers: Codable, Sendable, Equatable {
        public var follow: Bool
        public var maxHeight: Int

        public init(follow: Bool, maxHeight: Int) {
            self.follow = follow
            self.maxHeight = maxHeight
        }
    }

    /// How many videos at most, tiles and speakers together (0: audio only).
    public var limit: Int
    /// The page's tiles, preferred first; at most ``maxTiles``.
    public var tiles: [Tile]
    public var speakers: Speakers?

    /// The default bound on `tiles` (a 5 × 5 page).
    public static let maxTiles = 25

    public init(limit: Int, tiles: [Tile], speakers: Speakers? = nil) {
        self.limit = limit
        self.tiles = tiles
        self.speakers = speakers
    }
}

/// `video-selection`: the videos the server forwards to the receiver now,
/// in priority order. The reply to `video-preferences`, and an event when
/// it changes (a speaker change, a publisher starting or stopping video, a
/// subscription moving to another node). A tile of the client's page that
/// is not listed gets no video: show its avatar.
public struct VideoSelectionData: Codable, Sendable, Equatable {
    /// One forwarded video.
    public struct Video: Codable, Sendable, Equatable, Hashable {
        public var participantId: UUID
        /// `camera` or `screen`.
        public var source: MediaKind

        public init(participantId: UUID, source: MediaKind) {
            self.participantId = participantId
            self.source = source
        }
    }

    public var forwarding: [Video]

    public init(forwarding: [Video]) {
        self.forwarding = forwarding
    }
}
