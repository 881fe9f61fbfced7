import Foundation
import MeetProtocol

/// The tables of the in-memory storage (``APIStorage/memory()``): the same
/// facts as ``MeetSchema``'s, in dictionaries.
struct MemoryTables: Sendable {
    struct RefreshToken: Sendable {
        var id: UUID
        var userId: UUID
        var familyId: UUID
        var expiresAt: Date
        var rotated = false
        var revoked = false
    }

    struct Membership: Hashable, Sendable {
        var meetingId: UUID
        var userId: UUID
    }

    struct Member: Sendable {
        var role: MemberRole
        var addedAt: Date
    }

    struct Participant: Sendable {
        var record: ParticipantRecord
        var origin: JoinOrigin
        /// Whether a signaling replica holds its socket (`ws_node_id`); meet-ws sets it.
        var connected = false
    }

    struct Ban: Sendable {
        var meetingId: UUID
        var userId: UUID?
        var origin: JoinOrigin?
        var response: BanResponse
    }

    struct Recording: Sendable {
        var meetingId: UUID
        var response: RecordingResponse
        /// Its files were deleted (retention or a host): it no longer lists or plays.
        var deleted = false
        /// No recorder writes here; tests put files in.
        var files: [StoredRecordingFile] = []
    }

    struct Schedule: Sendable {
        var record: ScheduleRecord
        /// By original start.
        var exceptions: [Date: OccurrenceException]
    }

    struct Message: Sendable {
        var meetingId: UUID
        var record: MessageRecord
    }

    var users: [UUID: UserRecord] = [:]
    /// By token hash.
    var refreshTokens: [String: RefreshToken] = [:]
    var meetings: [UUID: MeetingRecord] = [:]
    var members: [Membership: Member] = [:]
    var participants: [UUID: Participant] = [:]
    var messages: [Message] = []
    var bans: [Ban] = []
    /// In creation order.
    var recordings: [Recording] = []
    /// `meetings.recording_access` where it is not the default (`members`).
    var recordingAccess: [UUID: RecordingAccess] = [:]
    /// By meeting id.
    var schedules: [UUID: Schedule] = [:]
    /// By id (``InvitationRecord/meetingCode`` and title filled on read).
    var invitations: [UUID: InvitationRecord] = [:]
    /// Chat attachments by id (their message is `messages`' record with ``StoredAttachment/messageId``).
    var attachments: [UUID: StoredAttachment] = [:]
    /// The last `created_at` handed out (``creationTime()``).
    private var lastCreated = Date.distantPast

    /// `now`, nudged forward so that every row gets a later time than the
    /// one before: orders by creation time stay strict, as they do in
    /// PostgreSQL, when a fast test creates rows within one clock tick.
    mutating func creationTime() -> Date {
        let now = max(Date(), self.lastCreated.addingTimeInterval(0.000_001))
        self.lastCreated = now
        return now
    }
}

/// The in-memory storage's single lock: each repository call is one
/// ``transaction(_:)``, so a call sees and leaves the tables consistent,
/// as a PostgreSQL transaction would (the capacity check and the insert of
/// a join happen together).
actor MemoryStore {
    private var tables = MemoryTables()

    func transaction<Value: Sendable>(_ body: @Sendable (inout MemoryTables) throws -> Value) rethrows -> Value {
        try body(&self.tables)
    }
}
