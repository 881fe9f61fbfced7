public import MeetCore

/// The bounds meet-ws holds `video-preferences` to (docs/configuration.md).
public struct VideoSelectionLimits: Sendable, Equatable {
    /// Tiles one request may list (`MEET_WS_VIDEO_TILES_MAX`, default 25, a
    /// 5 × 5 page); more is refused with `bad_request`, nothing kept.
    public var maxTiles: Int
    /// The largest `limit` honoured (`MEET_WS_VIDEO_LIMIT_MAX`, default 25);
    /// a larger one is clamped to it. At most 64: a node refuses a larger
    /// selection for one connection (`VideoSelection.maximumTargets`).
    public var maxLimit: Int

    public init(maxTiles: Int = 25, maxLimit: Int = 25) {
        self.maxTiles = max(1, maxTiles)
        self.maxLimit = max(0, maxLimit)
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            maxTiles: try environment.int("MEET_WS_VIDEO_TILES_MAX", default: 25, in: 1...64),
            maxLimit: try environment.int("MEET_WS_VIDEO_LIMIT_MAX", default: 25, in: 0...64))
    }
}
