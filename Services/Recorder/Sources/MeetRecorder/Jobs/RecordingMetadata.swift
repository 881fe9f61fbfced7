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
    /// ``began(_:recorderId:)`` with the segment's timeline origin as its
    /// `started_at`, so segments' files line up on one clock (the gap).
    func began(_ job: RecordingJob, recorderId: String, origin: Date) async throws
    /// A job claimed for a segment after the first (failover): the earlier
    /// segments left open by a dead recorder end now; what to do next.
    func takeOver(_ job: RecordingJob) async throws -> TakeoverStatus
    /// Each segment's gap after the one before (its first media minus the
    /// previous one's last, from the files' rows), stored on the segment and returned.
    func measureGaps(_ recordingId: UUID) async throws -> [SegmentGap]
    /// The recording's per-track files, in the directory store or already
    /// in S3 (``CompositePlan/Input/objectKey``), each with its place on
    /// the timeline of the recording's first segment.
    func compositeInputs(_ recordingId: UUID) async throws -> [CompositePlan.Input]
    /// Lists the composite (`kind` `composite`) under the last segment.
    func composed(_ made: CompositeMaker.Made, recordingId: UUID) async throws
}

/// What a recorder that took a job over does (``RecordingMetadata/takeOver(_:)``).
public enum TakeoverStatus: Sendable, Equatable {
    /// The recording goes on: record the new segment.
    case record
    /// A host stopped it while nobody held it (`stopping`): finish it, record nothing.
    case finish
    /// Over or deleted: nothing to do.
    case over
}

/// The time between one segment's last media and the next one's first.
public struct SegmentGap: Sendable, Equatable {
    public var segment: Int
    public var gapMilliseconds: Int64
}

extension RecordingMetadata {
    public func began(_ job: RecordingJob, recorderId: String, origin: Date) async throws {
        try await self.began(job, recorderId: recorderId)
    }
    public func takeOver(_ job: RecordingJob) async throws -> TakeoverStatus { .record }
    public func measureGaps(_ recordingId: UUID) async throws -> [SegmentGap] { [] }
    public func compositeInputs(_ recordingId: UUID) async throws -> [CompositePlan.Input] { [] }
    public func composed(_ made: CompositeMaker.Made, recordingId: UUID) async throws {}
}

/// ``RecordingMetadata`` on PostgreSQL. Every statement is guarded by the
/// status it expects, so a stop that raced the claim is never undone.
public struct PostgresRecordingMetadata: RecordingMetadata {
    let database: Database

    public init(database: Database) { self.database = database }

    public func began(_ job: RecordingJob, recorderId: String) async throws {
        try await self.began(job, recorderId: recorderId, origin: Date())
    }

    public func began(_ job: RecordingJob, recorderId: String, origin: Date) async throws {
        _ = try await self.database.query(
            """
            UPDATE recordings SET status = 'recording', started_at = COALESCE(started_at, now())
            WHERE id = \(job.recordingId) AND status = 'starting'
            """)
        _ = try await self.database.query(
            """
            INSERT INTO recording_segments (recording_id, segment, recorder_id, started_at)
            SELECT id, \(job.segment), \(recorderId), \(origin) FROM recordings WHERE id = \(job.recordingId) AND status = 'recording'
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
            let contentType = RecordingUploader.Upload.contentType(kind: try columns.decode("kind", as: String.self))
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
