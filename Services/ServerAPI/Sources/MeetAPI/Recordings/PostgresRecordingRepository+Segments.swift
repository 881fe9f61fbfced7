import Foundation
import MeetDatabase
import MeetProtocol
import PostgresNIO

extension PostgresRecordingRepository {
    /// The segments of the meeting's recordings (or of one), by recording:
    /// who wrote which part, and the gap a recorder failover left.
    func segments(meetingId: UUID, recordingId: UUID? = nil) async throws -> [UUID: [RecordingSegment]] {
        let rows = try await self.database.query(
            """
            SELECT s.recording_id, s.segment, s.started_at, s.ended_at, s.gap_ms
            FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
            WHERE r.meeting_id = \(meetingId) AND (\(recordingId)::uuid IS NULL OR r.id = \(recordingId))
            ORDER BY s.recording_id, s.segment
            """)
        var segments: [UUID: [RecordingSegment]] = [:]
        for row in rows {
            let columns = RowColumns(row)
            let segment = RecordingSegment(
                segment: try columns.decode("segment"), startedAt: try columns.decode("started_at"), endedAt: try columns.decode("ended_at"),
                gapMs: try columns.decode("gap_ms"))
            segments[try columns.decode("recording_id", as: UUID.self), default: []].append(segment)
        }
        return segments
    }
}
