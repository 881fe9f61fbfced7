public import Foundation
public import PostgresNIO

/// The `recordings` statements both control paths run (docs/dev/recording.md,
/// "Control"): meet-api for `POST`/`DELETE /v1/meetings/{code}/recording`
/// and the REST end of a meeting, meet-ws for `record-start`/`record-stop`
/// and `end-meeting`. One definition, so both follow one rule whichever
/// replica of whichever service a host uses.
public enum RecordingSQL {
    /// What every statement returns, decoded by ``RecordingRow``.
    public static let columns = "id, status, started_by, stop_reason, created_at, started_at, ended_at"
    static let qualifiedColumns = columns.split(separator: ",").map { "recordings.\($0.trimmingCharacters(in: .whitespaces))" }
        .joined(separator: ", ")
    /// The partial unique index that refuses a second active recording of a meeting.
    public static let oneActiveIndex = "recordings_one_active_idx"

    /// A new recording in `starting`; fails on ``oneActiveIndex`` while the meeting has an active one.
    public static func start(meetingId: UUID, startedBy: UUID) -> PostgresQuery {
        """
        INSERT INTO recordings (id, meeting_id, started_by, status)
        VALUES (\(UUID()), \(meetingId), \(startedBy), 'starting')
        RETURNING \(unescaped: Self.columns)
        """
    }

    /// Asks the meeting's active recording to stop, in one statement, so a
    /// recorder's claim (starting → recording) and this stop cannot
    /// interleave: whichever runs second sees the other's row. `stopping` is
    /// left for a recorder to finish only while one records (an open
    /// segment); with none (never claimed, or its recorder shut down or
    /// died) and on a second stop, it is stopped here, or the one-active
    /// index would refuse every later recording of the meeting. No row: nothing was active.
    public static func stop(meetingId: UUID, reason: String) -> PostgresQuery {
        """
        WITH target AS (
            SELECT r.id, (r.status IN ('starting', 'stopping') OR NOT EXISTS (
                SELECT 1 FROM recording_segments s WHERE s.recording_id = r.id AND s.ended_at IS NULL)) AS final
            FROM recordings r
            WHERE r.meeting_id = \(meetingId) AND r.status IN ('starting', 'recording', 'stopping')
        )
        UPDATE recordings SET
            status = CASE WHEN target.final THEN 'stopped' ELSE 'stopping' END,
            stop_reason = COALESCE(stop_reason, \(reason)),
            ended_at = CASE WHEN target.final THEN now() ELSE ended_at END
        FROM target WHERE recordings.id = target.id
        RETURNING \(unescaped: Self.qualifiedColumns)
        """
    }

    /// The meeting's active recording, if any (what a late joiner is told).
    public static func active(meetingId: UUID) -> PostgresQuery {
        """
        SELECT \(unescaped: Self.columns) FROM recordings
        WHERE meeting_id = \(meetingId) AND status IN ('starting', 'recording', 'stopping')
        """
    }
}

/// One row of ``RecordingSQL``'s statements.
public struct RecordingRow: Sendable, Equatable {
    public var id: UUID
    /// `starting`, `recording`, `stopping`, `stopped` or `failed`.
    public var status: String
    public var startedBy: UUID?
    public var stopReason: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?

    public init(_ row: PostgresRow) throws {
        let columns = RowColumns(row)
        self.id = try columns.decode("id")
        self.status = try columns.decode("status")
        self.startedBy = try columns.decode("started_by")
        self.stopReason = try columns.decode("stop_reason")
        self.createdAt = try columns.decode("created_at")
        self.startedAt = try columns.decode("started_at")
        self.endedAt = try columns.decode("ended_at")
    }
}
