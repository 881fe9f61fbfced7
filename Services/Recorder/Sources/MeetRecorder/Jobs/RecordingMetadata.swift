public import Foundation
public import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// What the recorder writes about a job it holds (``MeetSchema`` version 5,
/// docs/dev/recording.md, "Storage and metadata"). meet-api writes the
/// `recordings` row in `starting`; the recorder moves it on.
public protocol RecordingMetadata: Sendable {
    /// The claim was won: the recording is `recording` (unless a stop came
    /// first) and this recorder's segment row exists.
    func began(_ job: RecordingJob, recorderId: String) async throws
    /// The recorder stopped writing: its segment ends; after a stop (not a
    /// lost claim or a shutdown, where another recorder may continue) the
    /// recording is `stopped`.
    func ended(_ recordingId: UUID, recorderId: String, reason: RecorderJobs.EndReason) async throws
    /// The files of a segment this recorder finished (`recording_files`),
    /// written before ``ended(_:recorderId:reason:)`` so a stopped recording
    /// lists its files.
    func recorded(_ files: [RecordedFile], recordingId: UUID, segment: Int) async throws
    /// The file at `path` is now the S3 object `key` (``RecordingUploader``);
    /// false when no row names that file any more (its recording was deleted).
    func uploaded(recordingId: UUID, path: String, key: String) async throws -> Bool
    /// Files whose rows still name a local path below `root` (a previous
    /// run's uploads that did not finish), oldest first.
    func pendingUploads(under root: String) async throws -> [RecordingUploader.Upload]
}

/// ``RecordingMetadata`` on PostgreSQL. Every statement is guarded by the
/// status it expects, so a stop that raced the claim is never undone.
public struct PostgresRecordingMetadata: RecordingMetadata {
    let database: Database

    public init(database: Database) { self.database = database }

    public func began(_ job: RecordingJob, recorderId: String) async throws {
        _ = try await self.database.query(
            """
            UPDATE recordings SET status = 'recording', started_at = COALESCE(started_at, now())
            WHERE id = \(job.recordingId) AND status = 'starting'
            """)
        _ = try await self.database.query(
            """
            INSERT INTO recording_segments (recording_id, segment, recorder_id)
            SELECT id, \(job.segment), \(recorderId) FROM recordings WHERE id = \(job.recordingId) AND status = 'recording'
            ON CONFLICT (recording_id, segment) DO NOTHING
            """)
    }

    public func recorded(_ files: [RecordedFile], recordingId: UUID, segment: Int) async throws {
        for file in files {
            _ = try await self.database.query(
                """
                INSERT INTO recording_files (id, recording_id, segment, participant_id, track_id, kind, codec, storage_key, bytes,
                                             start_ms, duration_ms, lost_packets)
                SELECT \(UUID()), \(recordingId), \(segment), \(UUID(uuidString: file.name.participantID)), \(file.name.trackID),
                       \(file.name.codec.isVideo ? "video" : "audio"), \(file.name.codec.rawValue), \(file.path), \(Int64(file.bytes)),
                       \(max(0, file.startMilliseconds)), \(max(0, file.durationMilliseconds)), \(max(0, file.lostPackets))
                WHERE EXISTS (SELECT 1 FROM recording_segments WHERE recording_id = \(recordingId) AND segment = \(segment))
                """)
        }
    }

    public func uploaded(recordingId: UUID, path: String, key: String) async throws -> Bool {
        let rows = try await self.database.query(
            """
            UPDATE recording_files SET storage = 's3', storage_key = \(key)
            WHERE recording_id = \(recordingId) AND storage = 'directory' AND storage_key = \(path)
            RETURNING 1
            """)
        return !rows.isEmpty
    }

    public func pendingUploads(under root: String) async throws -> [RecordingUploader.Upload] {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        let rows = try await self.database.query(
            """
            SELECT f.recording_id, f.storage_key, f.kind FROM recording_files f JOIN recordings r ON r.id = f.recording_id
            WHERE f.storage = 'directory' AND r.deleted_at IS NULL AND starts_with(f.storage_key, \(root + "/"))
            ORDER BY f.created_at LIMIT 10000
            """)
        var uploads: [RecordingUploader.Upload] = []
        for row in rows {
            let columns = RowColumns(row)
            let recordingID = try columns.decode("recording_id", as: UUID.self)
            let path = try columns.decode("storage_key", as: String.self)
            let contentType = RecordingUploader.Upload.contentType(video: try columns.decode("kind", as: String.self) != "audio")
            if let upload = RecordingUploader.Upload(recordingID: recordingID, path: path, root: root, contentType: contentType) {
                uploads.append(upload)
            }
        }
        return uploads
    }

    public func ended(_ recordingId: UUID, recorderId: String, reason: RecorderJobs.EndReason) async throws {
        _ = try await self.database.query(
            """
            UPDATE recording_segments SET ended_at = now()
            WHERE recording_id = \(recordingId) AND recorder_id = \(recorderId) AND ended_at IS NULL
            """)
        guard reason == .stopped else { return }
        _ = try await self.database.query(
            """
            UPDATE recordings SET status = 'stopped', ended_at = COALESCE(ended_at, now())
            WHERE id = \(recordingId) AND status IN ('recording', 'stopping')
            """)
    }
}
