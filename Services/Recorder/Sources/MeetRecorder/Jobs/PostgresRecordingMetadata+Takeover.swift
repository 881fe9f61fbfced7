public import Foundation
public import MeetProtocol
import MeetDatabase
import PostgresNIO

/// Failover's statements (docs/dev/recording.md, "Failover").
extension PostgresRecordingMetadata {
    public func takeOver(_ job: RecordingJob) async throws -> TakeoverStatus {
        // The segments a dead recorder left open end now (a shutdown closed its own).
        _ = try await self.database.query(
            """
            UPDATE recording_segments SET ended_at = now()
            WHERE recording_id = \(job.recordingId) AND segment < \(job.segment) AND ended_at IS NULL
            """)
        let rows = try await self.database.query(
            "SELECT status FROM recordings WHERE id = \(job.recordingId) AND deleted_at IS NULL")
        guard let row = rows.first else { return .over }
        switch try RowColumns(row).decode("status", as: String.self) {
        case "starting", "recording": return .record
        case "stopping": return .finish
        default: return .over
        }
    }

    public func measureGaps(_ recordingId: UUID) async throws -> [SegmentGap] {
        // Each segment's files start on its own timeline, whose origin is the
        // segment's started_at (``began(_:recorderId:origin:)``): first and
        // last media on one clock, compared with the previous segment that has files.
        let rows = try await self.database.query(
            """
            WITH bounds AS (
                SELECT s.segment,
                       s.started_at + make_interval(secs => MIN(f.start_ms) / 1000.0) AS first_media,
                       s.started_at + make_interval(secs => MAX(f.start_ms + f.duration_ms) / 1000.0) AS last_media
                FROM recording_segments s
                JOIN recording_files f ON f.recording_id = s.recording_id AND f.segment = s.segment AND f.kind <> 'composite'
                WHERE s.recording_id = \(recordingId)
                GROUP BY s.segment, s.started_at
            ), gaps AS (
                SELECT b.segment,
                       GREATEST(0, round(extract(epoch FROM b.first_media - p.last_media) * 1000))::bigint AS gap_ms
                FROM bounds b
                JOIN bounds p ON p.segment = (SELECT max(segment) FROM bounds WHERE segment < b.segment)
            )
            UPDATE recording_segments s SET gap_ms = gaps.gap_ms
            FROM gaps WHERE s.recording_id = \(recordingId) AND s.segment = gaps.segment
            RETURNING s.segment, s.gap_ms
            """)
        return try rows.map { row in
            let columns = RowColumns(row)
            return SegmentGap(segment: try columns.decode("segment"), gapMilliseconds: try columns.decode("gap_ms"))
        }.sorted { $0.segment < $1.segment }
    }
}
