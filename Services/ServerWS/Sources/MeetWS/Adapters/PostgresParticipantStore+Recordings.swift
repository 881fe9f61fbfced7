public import Foundation
import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// The recordings side of ``PostgresParticipantStore`` (docs/dev/recording.md):
/// the recorder seat's standing, and the host's `record-start`/`record-stop`
/// on the statements meet-api's REST control runs too (``RecordingSQL``).
extension PostgresParticipantStore {
    /// A recorder seat may connect and join while its recording is
    /// `starting` or `recording` in a meeting that runs.
    /// `stopping` is not: a recorder that reconnects after the stop has nothing left to record.
    public func recorderMayConnect(recordingId: UUID, meetingId: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            """
            SELECT 1 FROM recordings r JOIN meetings m ON m.id = r.meeting_id
            WHERE r.id = \(recordingId) AND r.meeting_id = \(meetingId)
              AND r.status IN ('starting', 'recording') AND m.status = 'active'
            """)
        return !rows.isEmpty
    }

    public func startRecording(meetingId: UUID, startedBy: UUID) async throws -> RecordingStarted? {
        do {
            let row = try RecordingRow(try await self.database.query(RecordingSQL.start(meetingId: meetingId, startedBy: startedBy))[0])
            return RecordingStarted(recordingId: row.id, startedBy: row.startedBy, startedAt: row.createdAt)
        } catch DatabaseError.uniqueViolation(constraint: RecordingSQL.oneActiveIndex) {
            return nil
        }
    }

    public func stopRecording(meetingId: UUID, reason: String) async throws -> RecordingStopped? {
        guard let row = try await self.database.query(RecordingSQL.stop(meetingId: meetingId, reason: reason)).first else { return nil }
        let recording = try RecordingRow(row)
        return RecordingStopped(recordingId: recording.id, reason: recording.stopReason ?? reason)
    }

    public func activeRecording(meetingId: UUID) async throws -> RecordingStarted? {
        guard let row = try await self.database.query(RecordingSQL.active(meetingId: meetingId)).first else { return nil }
        let recording = try RecordingRow(row)
        return RecordingStarted(recordingId: recording.id, startedBy: recording.startedBy, startedAt: recording.createdAt)
    }
}
