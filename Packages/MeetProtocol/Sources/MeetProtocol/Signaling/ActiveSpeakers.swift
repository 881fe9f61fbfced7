public import Foundation

/// `active-speakers`: who speaks in the room now, loudest first.
///
/// Built by the receiver's ServerWS replica from every SFU node's report
/// (a room spans nodes), sent at most once per
/// `MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS` and only when the list changed.
/// An empty list: nobody speaks.
public struct ActiveSpeakers: Codable, Sendable, Equatable {
    public struct Speaker: Codable, Sendable, Equatable, Hashable {
        public var participantId: UUID
        /// Smoothed loudness in percent, 1...100 (steps of 5).
        public var level: Int

        public init(participantId: UUID, level: Int) {
            self.participantId = participantId
            self.level = level
        }
    }

    /// Loudest first; equal levels in participant id order. At most 16.
    public var speakers: [Speaker]

    public init(speakers: [Speaker]) {
        self.speakers = speakers
    }
}
