import Foundation
import MeetProtocol

/// Playback and retention in memory. No recorder writes files here (they
/// go to PostgreSQL only): the files are those a test put in
/// (`MemoryTables.Recording.files`); the access rules and retention's
/// selection and marking are the same as PostgreSQL's.
extension MemoryRecordingRepository {
    func find(recordingId: UUID) async throws -> (meetingId: UUID, recording: RecordingResponse)? {
        await self.store.transaction { tables in
            guard let recording = tables.recordings.first(where: { $0.response.id == recordingId && !$0.deleted }) else { return nil }
            var response = recording.response
            response.files = []
            return (recording.meetingId, response)
        }
    }

    func storedFile(recordingId: UUID, fileId: UUID) async throws -> StoredRecordingFile? {
        try await self.storedFiles(recordingId: recordingId).first { $0.id == fileId }
    }

    func storedFiles(recordingId: UUID) async throws -> [StoredRecordingFile] {
        await self.store.transaction { tables in
            tables.recordings.first { $0.response.id == recordingId && !$0.deleted }?.files ?? []
        }
    }

    func access(meetingId: UUID) async throws -> RecordingAccess {
        await self.store.transaction { $0.recordingAccess[meetingId] ?? .members }
    }

    func setAccess(meetingId: UUID, access: RecordingAccess) async throws {
        await self.store.transaction { $0.recordingAccess[meetingId] = access }
    }

    func participated(meetingId: UUID, userId: UUID) async throws -> Bool {
        await self.store.transaction { tables in
            tables.participants.values.contains { $0.record.meetingId == meetingId && $0.record.userId == userId }
        }
    }

    func expired(before cutoff: Date, limit: Int) async throws -> [UUID] {
        await self.store.transaction { tables in
            tables.recordings
                .filter { !$0.deleted && ($0.response.status == .stopped || $0.response.status == .failed) }
                .compactMap { recording in recording.response.endedAt.map { (recording.response.id, $0) } }
                .filter { $0.1 < cutoff }
                .sorted { $0.1 < $1.1 }
                .prefix(limit).map(\.0)
        }
    }

    func markDeleted(recordingId: UUID) async throws -> Bool {
        await self.store.transaction { tables in
            guard let index = tables.recordings.firstIndex(where: { $0.response.id == recordingId && !$0.deleted }) else { return false }
            tables.recordings[index].deleted = true
            tables.recordings[index].files = []
            return true
        }
    }
}
