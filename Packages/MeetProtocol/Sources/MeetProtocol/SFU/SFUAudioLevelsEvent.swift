/// Bus `event` `sfu.audio-levels` on ``SFUEventChannel/events``: the
/// speakers of one room on one node, loudest first, as the node measured
/// them from the audio-level header extension (RFC 6464) of its publishers'
/// audio.
///
/// A node sends a room's report when it changed (at most once per
/// `MEET_SFU_AUDIO_LEVEL_INTERVAL_MS`), re-sends an unchanged non-empty one
/// every ``refreshMs``, and sends an empty one once when the room goes quiet
/// (or its last publisher leaves the node). ServerWS merges the reports of
/// every node into the room's `active-speakers` event and forgets a report
/// not refreshed within ``expiryMs`` (a node that died mid-sentence).
public struct SFUAudioLevelsEvent: Codable, Sendable, Hashable {
    public static let type = "sfu.audio-levels"
    /// How often a node re-sends an unchanged report with speakers in it.
    public static let refreshMs: Int64 = 2_000
    /// How long ServerWS trusts a report that was not refreshed.
    public static let expiryMs: Int64 = 5_000
    /// The most speakers one report lists.
    public static let maxSpeakers = 16

    /// One participant's level on the node.
    public struct Level: Codable, Sendable, Hashable {
        public var participantId: String
        /// Smoothed loudness in percent, 1...100 (in steps of 5 by default).
        public var level: Int

        public init(participantId: String, level: Int) {
            self.participantId = participantId
            self.level = level
        }
    }

    public var nodeId: String
    public var roomId: String
    /// Loudest first; empty: nobody on this node speaks in the room any more.
    public var levels: [Level]

    public init(nodeId: String, roomId: String, levels: [Level]) {
        self.nodeId = nodeId
        self.roomId = roomId
        self.levels = levels
    }
}
