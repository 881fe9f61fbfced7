public import Foundation
import MeetDatabase
import PostgresNIO

/// The composite's statements (docs/dev/recording.md, "Composite").
extension PostgresRecordingMetadata {
    public func compositeInputs(_ recordingId: UUID) async throws -> [CompositePlan.Input] {
        // A file's place: its segment's origin (started_at, the origin of its
        // start_ms) minus the first segment's, plus its start_ms.
        let rows = try await self.database.query(
            """
            SELECT f.storage_key, f.storage, f.kind, coalesce(f.participant_id::text, f.track_id) AS who, f.duration_ms,
                   (round(extract(epoch FROM s.started_at - first.started_at) * 1000))::bigint + f.start_ms AS offset_ms
            FROM recording_files f
            JOIN recording_segments s ON s.recording_id = f.recording_id AND s.segment = f.segment
            CROSS JOIN (SELECT min(started_at) AS started_at FROM recording_segments WHERE recording_id = \(recordingId)) first
            WHERE f.recording_id = \(recordingId) AND f.kind IN ('audio', 'video') AND f.storage IN ('directory', 's3')
            ORDER BY offset_ms, f.storage_key
            """)
        return try rows.map { row in
            let columns = RowColumns(row)
            // An S3 row's key is an object key (an earlier segment's file,
            // uploaded and removed here): CompositeDownloads fetches it.
            let key: String = try columns.decode("storage_key")
            let inS3 = try columns.decode("storage", as: String.self) == "s3"
            return CompositePlan.Input(
                path: inS3 ? "" : key, isVideo: try columns.decode("kind", as: String.self) == "video",
                participant: try columns.decode("who"), offsetMilliseconds: try columns.decode("offset_ms"),
                durationMilliseconds: try columns.decode("duration_ms"), objectKey: inS3 ? key : nil)
        }
    }

    public func composed(_ made: CompositeMaker.Made, recordingId: UUID) async throws {
        _ = try await self.database.query(
            """
            INSERT INTO recording_files (id, recording_id, segment, participant_id, track_id, kind, codec, storage_key, bytes,
                                         start_ms, duration_ms, lost_packets)
            SELECT \(UUID()), \(recordingId), max(segment), NULL, 'composite', 'composite', 'h264+aac', \(made.path), \(Int64(made.bytes)),
                   0, \(max(0, made.durationMilliseconds)), 0
            FROM recording_segments WHERE recording_id = \(recordingId)
            HAVING count(*) > 0
            """)
    }
}
