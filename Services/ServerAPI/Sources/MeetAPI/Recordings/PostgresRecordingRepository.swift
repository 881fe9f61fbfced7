import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``RecordingRepository`` on `recordings`. The partial unique index
/// `recordings_one_active_idx` is what refuses a second active recording,
/// whichever replica inserts it.
struct PostgresRecordingRepository: RecordingRepository {
    let database: Database

    static let columns = "id, status, started_by, stop_reason, created_at, started_at, ended_at"
    static let qualifiedColumns = columns.split(separator: ",").map { "recordings.\($0.trimmingCharacters(in: .whitespaces))" }
        .joined(separator: ", ")

    func start(meetingId: UUID, startedBy: UUID) async throws -> RecordingResponse {
        do {
            let rows = try await self.database.query(
                """
                INSERT INTO recordings (id, meeting_id, started_by, status)
                VALUES (\(UUID()), \(meetingId), \(startedBy), 'starting')
                RETURNING \(unescaped: Self.columns)
                """)
            return try Self.decode(rows[0])
        } catch DatabaseError.uniqueViolation(constraint: "recordings_one_active_idx") {
            throw RecordingRepositoryError.alreadyActive
        }
    }

    func stop(meetingId: UUID, reason: String) async throws -> RecordingResponse? {
        // One statement, so a recorder's claim (starting → recording) and
        // this stop cannot interleave: whichever runs second sees the other's row.
        // `stopping` is left for a recorder to finish only while one records
        // (an open segment); with none (never claimed, or its recorder shut
        // down or died) and on a second stop, it is stopped here, or the
        // one-active index would refuse every later recording of the meeting.
        let rows = try await self.database.query(
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
            """)
        return try rows.first.map(Self.decode)
    }

    func list(meetingId: UUID) async throws -> [RecordingResponse] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM recordings
            WHERE meeting_id = \(meetingId) ORDER BY created_at DESC, id
            """)
        let files = try await self.files(meetingId: meetingId)
        return try rows.map { row in
            var recording = try Self.decode(row)
            recording.files = files[recording.id] ?? []
            return recording
        }
    }

    /// The finished per-track files of the meeting's recordings, by recording.
    private func files(meetingId: UUID) async throws -> [UUID: [RecordingFile]] {
        let rows = try await self.database.query(
            """
            SELECT f.id, f.recording_id, f.segment, f.participant_id, f.track_id, f.kind, f.codec, f.storage_key, f.bytes,
                   f.start_ms, f.duration_ms, f.lost_packets
            FROM recording_files f JOIN recordings r ON r.id = f.recording_id
            WHERE r.meeting_id = \(meetingId) ORDER BY f.segment, f.participant_id, f.kind, f.track_id
            """)
        var files: [UUID: [RecordingFile]] = [:]
        for row in rows {
            let columns = RowColumns(row)
            let file = RecordingFile(
                id: try columns.decode("id"), segment: try columns.decode("segment"), participantId: try columns.decode("participant_id"),
                trackId: try columns.decode("track_id"), kind: try columns.decode("kind"), codec: try columns.decode("codec"),
                storageKey: try columns.decode("storage_key"), bytes: try columns.decode("bytes"), startMs: try columns.decode("start_ms"),
                durationMs: try columns.decode("duration_ms"), lostPackets: try columns.decode("lost_packets"))
            files[try columns.decode("recording_id", as: UUID.self), default: []].append(file)
        }
        return files
    }

    static func decode(_ row: PostgresRow) throws -> RecordingResponse {
        let columns = RowColumns(row)
        let status = try columns.decode("status", as: String.self)
        guard let known = RecordingStatus(rawValue: status) else {
            throw DatabaseError.query("unknown recording status '\(status)'")
        }
        return RecordingResponse(
            id: try columns.decode("id"), status: known, startedBy: try columns.decode("started_by"),
            stopReason: try columns.decode("stop_reason"), createdAt: try columns.decode("created_at"),
            startedAt: try columns.decode("started_at"), endedAt: try columns.decode("ended_at"))
    }
}
