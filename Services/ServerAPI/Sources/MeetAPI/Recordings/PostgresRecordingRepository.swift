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

    func start(meetingId: UUID, startedBy: UUID) async throws -> RecordingResponse {
        do {
            let rows = try await self.database.query(RecordingSQL.start(meetingId: meetingId, startedBy: startedBy))
            return try Self.decode(rows[0])
        } catch DatabaseError.uniqueViolation(constraint: RecordingSQL.oneActiveIndex) {
            throw RecordingRepositoryError.alreadyActive
        }
    }

    func stop(meetingId: UUID, reason: String) async throws -> RecordingResponse? {
        try await self.database.query(RecordingSQL.stop(meetingId: meetingId, reason: reason)).first.map(Self.decode)
    }

    func list(meetingId: UUID) async throws -> [RecordingResponse] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: RecordingSQL.columns) FROM recordings
            WHERE meeting_id = \(meetingId) AND deleted_at IS NULL ORDER BY created_at DESC, id
            """)
        let files = try await self.files(meetingId: meetingId)
        let segments = try await self.segments(meetingId: meetingId)
        return try rows.map { row in
            var recording = try Self.decode(row)
            recording.files = files[recording.id] ?? []
            recording.segments = segments[recording.id] ?? []
            return recording
        }
    }

    /// The finished per-track files of the meeting's recordings (or of one recording), by recording.
    func files(meetingId: UUID, recordingId: UUID? = nil) async throws -> [UUID: [RecordingFile]] {
        let rows = try await self.database.query(
            """
            SELECT f.id, f.recording_id, f.segment, f.participant_id, f.track_id, f.kind, f.codec, f.storage_key, f.bytes,
                   f.start_ms, f.duration_ms, f.lost_packets, f.storage
            FROM recording_files f JOIN recordings r ON r.id = f.recording_id
            WHERE r.meeting_id = \(meetingId) AND (\(recordingId)::uuid IS NULL OR r.id = \(recordingId))
            ORDER BY f.segment, f.participant_id, f.kind, f.track_id
            """)
        var files: [UUID: [RecordingFile]] = [:]
        for row in rows {
            let columns = RowColumns(row)
            let file = RecordingFile(
                id: try columns.decode("id"), segment: try columns.decode("segment"), participantId: try columns.decode("participant_id"),
                trackId: try columns.decode("track_id"), kind: try columns.decode("kind"), codec: try columns.decode("codec"),
                storageKey: try columns.decode("storage_key"), bytes: try columns.decode("bytes"), startMs: try columns.decode("start_ms"),
                durationMs: try columns.decode("duration_ms"), lostPackets: try columns.decode("lost_packets"),
                storage: try columns.decode("storage"))
            files[try columns.decode("recording_id", as: UUID.self), default: []].append(file)
        }
        return files
    }

    static func decode(_ row: PostgresRow) throws -> RecordingResponse {
        let recording = try RecordingRow(row)
        guard let status = RecordingStatus(rawValue: recording.status) else {
            throw DatabaseError.query("unknown recording status '\(recording.status)'")
        }
        return RecordingResponse(
            id: recording.id, status: status, startedBy: recording.startedBy, stopReason: recording.stopReason,
            createdAt: recording.createdAt, startedAt: recording.startedAt, endedAt: recording.endedAt)
    }
}
