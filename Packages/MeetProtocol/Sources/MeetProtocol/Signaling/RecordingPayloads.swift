public import Foundation

/// `recording-started`: the meeting is being recorded from now on; show
/// the indicator (docs/signaling.md, Recording).
public struct RecordingStarted: Codable, Sendable, Equatable {
    public var recordingId: UUID
    /// The user who started it.
    public var startedBy: UUID?
    public var startedAt: Date

    public init(recordingId: UUID, startedBy: UUID?, startedAt: Date) {
        self.recordingId = recordingId
        self.startedBy = startedBy
        self.startedAt = startedAt
    }
}

/// `recording-stopped`: the recording is over; hide the indicator.
public struct RecordingStopped: Codable, Sendable, Equatable {
    public var recordingId: UUID
    /// `stopped_by_host`, `meeting_ended`, `failed`, …
    public var reason: String

    public init(recordingId: UUID, reason: String) {
        self.recordingId = recordingId
        self.reason = reason
    }
}
