import Foundation
import MeetDatabase
import MeetProtocol
import MeetStorage
import PostgresNIO

/// Playback and retention on `recordings`, `recording_files`
/// (``MeetSchema`` versions 5 and 12) and `meetings.recording_access`.
extension PostgresRecordingRepository {
    func find(recordingId: UUID) async throws -> (meetingId: UUID, recording: RecordingResponse)? {
        let rows = try await self.database.query(
            """
            SELECT meeting_id, \(unescaped: RecordingSQL.columns) FROM recordings
            WHERE id = \(recordingId) AND deleted_at IS NULL
            """)
        guard let row = rows.first else { return nil }
        let meetingId = try RowColumns(row).decode("meeting_id", as: UUID.self)
        var recording = try Self.decode(row)
        recording.files = try await self.files(meetingId: meetingId, recordingId: recordingId)[recordingId] ?? []
        recording.segments = try await self.segments(meetingId: meetingId, recordingId: recordingId)[recordingId] ?? []
        return (meetingId, recording)
    }

    func storedFile(recordingId: UUID, fileId: UUID) async throws -> StoredRecordingFile? {
        try await self.stored(
            """
            SELECT f.id, f.storage, f.storage_key, f.kind, f.codec FROM recording_files f JOIN recordings r ON r.id = f.recording_id
            WHERE f.recording_id = \(recordingId) AND f.id = \(fileId) AND r.deleted_at IS NULL
            """
        ).first
    }

    func storedFiles(recordingId: UUID) async throws -> [StoredRecordingFile] {
        try await self.stored(
            "SELECT id, storage, storage_key, kind, codec FROM recording_files WHERE recording_id = \(recordingId) ORDER BY id")
    }

    private func stored(_ query: PostgresQuery) async throws -> [StoredRecordingFile] {
        try await self.database.query(query).map { row in
            let columns = RowColumns(row)
            return StoredRecordingFile(
                id: try columns.decode("id"), storage: try columns.decode("storage", as: RecordingStoreKind.self),
                key: try columns.decode("storage_key"), kind: try columns.decode("kind"), codec: try columns.decode("codec"))
        }
    }

    func access(meetingId: UUID) async throws -> RecordingAccess {
        let rows = try await self.database.query("SELECT recording_access FROM meetings WHERE id = \(meetingId)")
        guard let row = rows.first else { return .hosts }
        return try RowColumns(row).decode("recording_access", as: RecordingAccess.self)
    }

    func setAccess(meetingId: UUID, access: RecordingAccess) async throws {
        _ = try await self.database.query("UPDATE meetings SET recording_access = \(access.rawValue) WHERE id = \(meetingId)")
    }

    func participated(meetingId: UUID, userId: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            "SELECT EXISTS (SELECT 1 FROM participants WHERE meeting_id = \(meetingId) AND user_id = \(userId)) AS seen")
        return try rows.first.map { try RowColumns($0).decode("seen", as: Bool.self) } ?? false
    }

    func expired(before cutoff: Date, limit: Int) async throws -> [UUID] {
        try await self.database.query(
            """
            SELECT id FROM recordings
            WHERE deleted_at IS NULL AND status IN ('stopped', 'failed') AND ended_at < \(cutoff)
            ORDER BY ended_at LIMIT \(limit)
            """
        ).map { try RowColumns($0).decode("id", as: UUID.self) }
    }

    func markDeleted(recordingId: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            """
            WITH marked AS (
                UPDATE recordings SET deleted_at = now() WHERE id = \(recordingId) AND deleted_at IS NULL RETURNING id
            ), dropped AS (
                DELETE FROM recording_files WHERE recording_id IN (SELECT id FROM marked) RETURNING 1
            )
            SELECT count(*) AS marked FROM marked
            """)
        return try rows.first.map { try RowColumns($0).decode("marked", as: Int.self) } == 1
    }
}
