import Foundation
import Logging
import MeetProtocol

/// What a claimed job does (docs/dev/recording.md): on `begin` the
/// metadata says `recording`, the recording's segment opens in
/// ``RecordingSessions`` and a ``MeetingRecorder`` joins the meeting as its
/// hidden subscriber; on `end` the recorder leaves, every file is finished,
/// the files' rows are written and then the segment's end (and, after a
/// stop, `stopped`). A metadata write that fails is logged: the files are
/// on disk regardless.
actor MediaJobHandler: RecorderJobHandler {
    let recorderId: String
    let metadata: (any RecordingMetadata)?
    let sessions: RecordingSessions
    let storage: any RecordingStorage
    let tuning: RecordingTuning
    let metrics: RecorderMetrics
    let settings: MeetingRecorder.Settings
    /// With S3 storage: moves each finished file there (``RecordingUploader``).
    let uploader: RecordingUploader?
    /// The directory store's root: object keys are paths below it.
    let root: String
    let logger: Logger
    private var recorders: [UUID: (recorder: MeetingRecorder, segment: Int)] = [:]

    init(
        recorderId: String, metadata: (any RecordingMetadata)?, sessions: RecordingSessions, storage: any RecordingStorage,
        tuning: RecordingTuning, metrics: RecorderMetrics, settings: MeetingRecorder.Settings, uploader: RecordingUploader? = nil,
        root: String = "", logger: Logger
    ) {
        self.recorderId = recorderId
        self.metadata = metadata
        self.sessions = sessions
        self.storage = storage
        self.tuning = tuning
        self.metrics = metrics
        self.settings = settings
        self.uploader = uploader
        self.root = root
        self.logger = logger
    }

    /// The recording's key in ``RecordingSessions`` and its directory: its id as meet-api writes it.
    static func key(_ id: UUID) -> String { id.uuidString.lowercased() }

    func begin(_ job: RecordingJob) async {
        var logger = self.logger
        logger[metadataKey: "recording.id"] = "\(job.recordingId)"
        logger[metadataKey: "meeting"] = "\(job.meetingCode)"
        logger[metadataKey: "segment"] = "\(job.segment)"
        logger.info("recording job claimed: joining the meeting")
        do {
            try await self.metadata?.began(job, recorderId: self.recorderId)
        } catch {
            logger.warning("could not write that a recording began", metadata: ["error": "\(error)"])
        }
        let key = Self.key(job.recordingId)
        await self.sessions.open(
            key, segment: job.segment, originMicroseconds: RecordingSessions.now(), storage: self.storage, tuning: self.tuning,
            metrics: self.metrics)
        let recorder = MeetingRecorder(job: job, key: key, sessions: self.sessions, settings: self.settings, logger: logger)
        self.recorders[job.recordingId] = (recorder, job.segment)
        await recorder.start()
    }

    func end(_ recordingId: UUID, reason: RecorderJobs.EndReason) async {
        self.logger.info("recording job ended", metadata: ["recording.id": "\(recordingId)", "reason": "\(reason.rawValue)"])
        guard let (recorder, segment) = self.recorders.removeValue(forKey: recordingId) else { return }
        await recorder.stop()
        let files = await self.sessions.finish(Self.key(recordingId), now: RecordingSessions.now())
        do {
            try await self.metadata?.recorded(files, recordingId: recordingId, segment: segment)
            try await self.metadata?.ended(recordingId, recorderId: self.recorderId, reason: reason)
        } catch {
            self.logger.warning("could not write that a recording ended", metadata: ["recording.id": "\(recordingId)", "error": "\(error)"])
        }
        // After the rows: an upload moves a row from its path to its key.
        await self.uploader?.enqueue(files.compactMap { $0.upload(recordingID: recordingId, root: self.root) })
    }
}
