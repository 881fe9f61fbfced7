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
    /// The per-track files its recorders finished, in the listing (absent
    /// where not read: the start and stop replies).
    public var files: [RecordingFile]?
    /// One per recorder that wrote it: more than one after a failover, each
    /// with its gap after the one before (docs/dev/recording.md, "Failover").
    /// Absent where not read, like `files`.
    public var segments: [RecordingSegment]?

    public init(
        id: UUID, status: RecordingStatus, startedBy: UUID?, stopReason: String?, createdAt: Date, startedAt: Date?,
        endedAt: Date?, files: [RecordingFile]? = nil, segments: [RecordingSegment]? = nil
    ) {
        self.id = id
        self.status = status
        self.startedBy = startedBy
        self.stopReason = stopReason
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.files = files
        self.segments = segments
    }
}

/// One recorder's part of a recording (`recording_segments`): segment 0
/// from the first recorder, one more for each takeover after a recorder died
/// or shut down mid-recording.
public struct RecordingSegment: Codable, Sendable, Equatable {
    public var segment: Int
    /// The origin of its files' timeline (`startMs` counts from it).
    public var startedAt: Date
    public var endedAt: Date?
    /// Milliseconds between the previous segment's last media and this one's
    /// first (0 when they overlap): what the takeover lost. Nil for the first
    /// segment, and until both segments' files are listed.
    public var gapMs: Int64?

    public init(segment: Int, startedAt: Date, endedAt: Date?, gapMs: Int64?) {
        self.segment = segment
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.gapMs = gapMs
    }
}

/// One finished per-track file of a recording (`recording_files`).
public struct RecordingFile: Codable, Sendable, Equatable {
    public var id: UUID
    /// 0 for the first recorder; one more after each takeover.
    public var segment: Int
    /// The publisher; nil once unknown.
    public var participantId: UUID?
    /// The published track (`{transportId}:{mid}`).
    public var trackId: String
    /// `audio` or `video`.
    public var kind: String
    /// As negotiated, e.g. `VP8`, `opus`.
    public var codec: String
    /// Where the storage keeps it (the directory store: its path; S3: the object key).
    public var storageKey: String
    /// `directory` until the recorder has moved it to S3, then `s3`.
    public var storage: String?
    public var bytes: Int64
    /// Where it starts on the recording's timeline, and how long it lasts.
    public var startMs: Int64
    public var durationMs: Int64
    public var lostPackets: Int64

    public init(
        id: UUID, segment: Int, participantId: UUID?, trackId: String, kind: String, codec: String, storageKey: String,
        bytes: Int64, startMs: Int64, durationMs: Int64, lostPackets: Int64, storage: String? = nil
    ) {
        self.storage = storage
        self.id = id
        self.segment = segment
        self.participantId = participantId
        self.trackId = trackId
        self.kind = kind
        self.codec = codec
        self.storageKey = storageKey
        self.bytes = bytes
        self.startMs = startMs
        self.durationMs = durationMs
        self.lostPackets = lostPackets
    }
}

/// `GET /v1/meetings/{code}/recordings`: newest first.
public struct RecordingListResponse: Codable, Sendable, Equatable {
    public var items: [RecordingResponse]

    public init(items: [RecordingResponse]) {
        self.items = items
    }
}

/// Who besides the owner and hosts may list and play a meeting's recordings
/// (`meetings.recording_access`, docs/dev/recording.md, "Playback"). Each
/// level includes the one before: `hosts` (owner and hosts only),
/// `members` (also every member, the default), `participants` (also
/// anyone who had a seat in the meeting).
public enum RecordingAccess: String, Codable, Sendable, CaseIterable {
    case hosts
    case members
    case participants
}

/// `PUT /v1/meetings/{code}/recording-access` and its reply.
public struct RecordingAccessBody: Codable, Sendable, Equatable {
    public var access: RecordingAccess

    public init(access: RecordingAccess) {
        self.access = access
    }
}
