public import Foundation

/// Where a recording is (docs/dev/recording.md). `starting`, `recording`
/// and `stopping` are *active*: a meeting has at most one active recording.
public enum RecordingStatus: String, Codable, Sendable, CaseIterable {
    /// Started by a host; no recorder has claimed the job yet.
    case starting
    /// A recorder holds the job and writes files.
    case recording
    /// Stop asked; the recorder is closing its files.
    case stopping
    /// Finished: its files are final.
    case stopped
    /// Ended without a usable result (see `stopReason`).
    case failed

    /// Whether the meeting's one-active-recording slot is taken by it.
    public var isActive: Bool { self == .starting || self == .recording || self == .stopping }
}

/// One recording of a meeting (`POST`/`DELETE /v1/meetings/{code}/recording`,
/// the items of `GET /v1/meetings/{code}/recordings`).
public struct RecordingResponse: Codable, Sendable, Equatable {
    public var id: UUID
    public var status: RecordingStatus
    /// The user who started it; nil once that account is gone.
    public var startedBy: UUID?
    /// Why it stopped (`stopped_by_host`, `meeting_ended`, …), once it did.
    public var stopReason: String?
    public var createdAt: Date
    /// When the first recorder began writing; nil until then.
    public var startedAt: Date?
    public var endedAt: Date?

    public init(
        id: UUID, status: RecordingStatus, startedBy: UUID?, stopReason: String?, createdAt: Date, startedAt: Date?,
        endedAt: Date?
    ) {
        self.id = id
        self.status = status
        self.startedBy = startedBy
        self.stopReason = stopReason
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}

/// `GET /v1/meetings/{code}/recordings`: newest first.
public struct RecordingListResponse: Codable, Sendable, Equatable {
    public var items: [RecordingResponse]

    public init(items: [RecordingResponse]) {
        self.items = items
    }
}
