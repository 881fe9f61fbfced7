public import MeetCore
public import MeetProtocol

/// The bounds meet-ws holds `video-preferences` to (docs/configuration.md).
public struct VideoSelectionLimits: Sendable, Equatable {
    /// Tiles one request may list (`MEET_WS_VIDEO_TILES_MAX`, default 25, a
    /// 5 × 5 page); more is refused with `bad_request`, nothing kept.
    public var maxTiles: Int
    /// The largest `limit` honoured (`MEET_WS_VIDEO_LIMIT_MAX`, default 25);
    /// a larger one is clamped to it. At most 64: a node refuses a larger
    /// selection for one connection (`VideoSelection.maximumTargets`).
    public var maxLimit: Int
    /// Audio slots per node connection in a large room
    /// (`MEET_WS_AUDIO_SLOTS`, default 3; 0 turns slots off), announced in
    /// `joined.audioSlots` (docs/dev/audio-slots.md).
    public var audioSlots: Int
    /// Rooms with more participants than this use audio slots
    /// (`MEET_WS_AUDIO_SLOTS_ABOVE`, default 10).
    public var audioSlotsAbove: Int

    public init(maxTiles: Int = 25, maxLimit: Int = 25, audioSlots: Int = 3, audioSlotsAbove: Int = 10) {
        self.maxTiles = max(1, maxTiles)
        self.maxLimit = max(0, maxLimit)
        self.audioSlots = min(max(0, audioSlots), CreateSubscriberRequest.maximumAudioSlots)
        self.audioSlotsAbove = max(0, audioSlotsAbove)
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            maxTiles: try environment.int("MEET_WS_VIDEO_TILES_MAX", default: 25, in: 1...64),
            maxLimit: try environment.int("MEET_WS_VIDEO_LIMIT_MAX", default: 25, in: 0...64),
            audioSlots: try environment.int(
                "MEET_WS_AUDIO_SLOTS", default: 3, in: 0...CreateSubscriberRequest.maximumAudioSlots),
            audioSlotsAbove: try environment.int("MEET_WS_AUDIO_SLOTS_ABOVE", default: 10, in: 0...100_000))
    }

    /// What `joined` announces; nil when slots are off.
    public var audioSlotPolicy: AudioSlotPolicy? {
        audioSlots > 0 ? AudioSlotPolicy(slots: audioSlots, aboveParticipants: audioSlotsAbove) : nil
    }
}
