import Foundation
import MeetProtocol

/// ``RecordingRepository`` in memory, with the one-active rule of
/// ``PostgresRecordingRepository`` checked inside one store transaction.
struct MemoryRecordingRepository: RecordingRepository {
    let store: MemoryStore

    func start(meetingId: UUID, startedBy: UUID) async throws -> RecordingResponse {
        try await self.store.transaction { tables in
            if tables.recordings.contains(where: { $0.meetingId == meetingId && $0.response.status.isActive }) {
                throw RecordingRepositoryError.alreadyActive
            }
            let response = RecordingResponse(
                id: UUID(), status: .starting, startedBy: startedBy, stopReason: nil, createdAt: tables.creationTime(),
                startedAt: nil, endedAt: nil)
            tables.recordings.append(MemoryTables.Recording(meetingId: meetingId, response: response))
            return response
        }
    }

    func stop(meetingId: UUID, reason: String) async throws -> RecordingResponse? {
        await self.store.transaction { tables in
            guard let index = tables.recordings.firstIndex(where: { $0.meetingId == meetingId && $0.response.status.isActive })
            else { return nil }
            var response = tables.recordings[index].response
            // No segments here (a recorder writes them to PostgreSQL only):
            // a second stop finishes what no recorder did.
            if response.status == .starting || response.status == .stopping {
                response.status = .stopped
                response.endedAt = Date()
            } else {
                response.status = .stopping
            }
            response.stopReason = response.stopReason ?? reason
            tables.recordings[index].response = response
            return response
        }
    }

    func list(meetingId: UUID) async throws -> [RecordingResponse] {
        await self.store.transaction { tables in
            // No recorder writes files here (they go to PostgreSQL only).
            tables.recordings.filter { $0.meetingId == meetingId && !$0.deleted }.map { recording in
                var response = recording.response
                response.files = []
                return response
            }.reversed()
        }
    }
}
