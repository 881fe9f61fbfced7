public import Foundation
import MeetDatabase
import PostgresNIO

extension PostgresParticipantStore {
    /// A recorder seat may connect and join while its recording is
    /// `starting` or `recording` in a meeting that runs (docs/dev/recording.md).
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
}
