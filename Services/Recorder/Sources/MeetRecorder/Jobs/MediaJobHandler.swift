import Foundation
import Logging
import MeetProtocol

/// What a claimed job does (docs/dev/recording.md): on `begin` the
/// metadata says `recording`, the recording's segment opens in
/// ``RecordingSessions`` and a ``MeetingRecorder`` joins the meeting as its
/// hidden subscriber; on `end` the recorder leaves, every file is finished,
/// the files' rows are written and then the segment's end (and, after a
/// stop, `stopped`); the ``RecordingFinisher`` then makes the composite
/// (after a stop) and uploads. A metadata write that fails is logged: the
/// files are on disk regardless. A job claimed for a later segment is a
/// takeover (``takeOver(_:logger:)``).
actor MediaJobHandler: RecorderJobHandler {
    let recorderId: String
    let metadata: (any RecordingMetadata)?
    let sessions: RecordingSessions
    let storage: any RecordingStorage
    let tuning: RecordingTuning
    let metrics: RecorderMetrics
    let settings: MeetingRecorder.Settings
    /// The composite and the uploads once a segment is over.
    let finisher: RecordingFinisher
    let logger: Logger
    private var recorders: [UUID: (recorder: MeetingRecorder, job: RecordingJob)] = [:]
    /// Uploads of files salvaged at a takeover, sent with the segment's own at its end (after the composite read them).
    private var salvagedUploads: [UUID: [RecordingUploader.Upload]] = [:]

    init(
        recorderId: String, metadata: (any RecordingMetadata)?, sessions: RecordingSessions, storage: any RecordingStorage,
        tuning: RecordingTuning, metrics: RecorderMetrics, settings: MeetingRecorder.Settings, finisher: RecordingFinisher? = nil,
        logger: Logger
    ) {
        self.recorderId = recorderId
        self.metadata = metadata
        self.sessions = sessions
        self.storage = storage
        self.tuning = tuning
        self.metrics = metrics
        self.settings = settings
        self.finisher = finisher ?? RecordingFinisher(metadata: metadata, maker: nil, uploader: nil, root: "", logger: logger)
        self.logger = logger
    }

    /// The recording's key in ``RecordingSessions`` and its directory: its id as meet-api writes it.
    static func key(_ id: UUID) -> String { id.uuidString.lowercased() }

    func begin(_ job: RecordingJob) async -> Bool {
        var logger = self.logger
        logger[metadataKey: "recording.id"] = "\(job.recordingId)"
        logger[metadataKey: "meeting"] = "\(job.meetingCode)"
        logger[metadataKey: "segment"] = "\(job.segment)"
        if job.segment > 0, await !self.takeOver(job, logger: logger) { return false }
        logger.info("recording job claimed: joining the meeting")
        let origin = RecordingSessions.now()
        do {
            try await self.metadata?.began(job, recorderId: self.recorderId, origin: Date(timeIntervalSince1970: Double(origin) / 1_000_000))
        } catch {
            logger.warning("could not write that a recording began", metadata: ["error": "\(error)"])
        }
        let key = Self.key(job.recordingId)
        await self.sessions.open(
            key, segment: job.segment, originMicroseconds: origin, storage: self.storage, tuning: self.tuning, metrics: self.metrics)
        let recorder = MeetingRecorder(job: job, key: key, sessions: self.sessions, settings: self.settings, logger: logger)
        self.recorders[job.recordingId] = (recorder, job)
        await recorder.start()
        return true
    }

    /// A job taken over from a recorder that died or shut down (failover):
    /// the earlier segments' open rows end, the files the dead recorder left
    /// in this directory are repaired and listed (``SegmentSalvage``), and
    /// the recording goes on in a new segment unless it was stopped
    /// meanwhile (then it is finished here: false).
    private func takeOver(_ job: RecordingJob, logger: Logger) async -> Bool {
        let status: TakeoverStatus
        do {
            status = try await self.metadata?.takeOver(job) ?? .record
        } catch {
            logger.warning("could not read the recording taken over; recording it", metadata: ["error": "\(error)"])
            status = .record
        }
        logger.notice("took over a recording whose recorder is gone", metadata: ["status": "\(status)"])
        guard status != .over else { return false }
        let key = Self.key(job.recordingId)
        var uploads: [RecordingUploader.Upload] = []
        if let directory = self.directory(job) {
            let salvaged = SegmentSalvage(directory: directory, meetingCode: job.meetingCode, recordingID: key, logger: logger)
                .salvage(before: job.segment)
            for segment in Set(salvaged.map(\.name.segment)).sorted() {
                do {
                    try await self.metadata?.recorded(salvaged.filter { $0.name.segment == segment }, recordingId: job.recordingId, segment: segment)
                } catch {
                    logger.warning("could not list the salvaged files", metadata: ["error": "\(error)"])
                }
            }
            uploads = salvaged.compactMap { $0.upload(recordingID: job.recordingId, root: self.finisher.root) }
        }
        guard status == .finish else {
            self.salvagedUploads[job.recordingId] = uploads
            return true
        }
        do {
            try await self.metadata?.ended(job.recordingId, recorderId: self.recorderId, reason: .stopped)
        } catch {
            logger.warning("could not write that a recording ended", metadata: ["error": "\(error)"])
        }
        await self.reportGaps(job.recordingId, logger: logger)
        self.finisher.start(.init(recordingId: job.recordingId, directory: self.directory(job), stopped: true, uploads: uploads))
        return false
    }

    /// The recording's directory in the directory store.
    private func directory(_ job: RecordingJob) -> URL? {
        (self.storage as? DirectoryStorage)?.recordingDirectory(meetingCode: job.meetingCode, recordingID: Self.key(job.recordingId))
    }

    /// Measures and logs each segment's gap (stored on its row, shown by the API).
    private func reportGaps(_ recordingId: UUID, logger: Logger) async {
        do {
            for gap in try await self.metadata?.measureGaps(recordingId) ?? [] {
                logger.notice("recording gap between segments", metadata: ["segment": "\(gap.segment)", "gapMs": "\(gap.gapMilliseconds)"])
            }
        } catch {
            logger.warning("could not measure the gaps between segments", metadata: ["error": "\(error)"])
        }
    }

    func end(_ recordingId: UUID, reason: RecorderJobs.EndReason) async {
        self.logger.info("recording job ended", metadata: ["recording.id": "\(recordingId)", "reason": "\(reason.rawValue)"])
        guard let (recorder, job) = self.recorders.removeValue(forKey: recordingId) else { return }
        let segment = job.segment
        await recorder.stop()
        let files = await self.sessions.finish(Self.key(recordingId), now: RecordingSessions.now())
        do {
            try await self.metadata?.recorded(files, recordingId: recordingId, segment: segment)
            try await self.metadata?.ended(recordingId, recorderId: self.recorderId, reason: reason)
        } catch {
            self.logger.warning("could not write that a recording ended", metadata: ["recording.id": "\(recordingId)", "error": "\(error)"])
        }
        if segment > 0 {
            var logger = self.logger
            logger[metadataKey: "recording.id"] = "\(recordingId)"
            await self.reportGaps(recordingId, logger: logger)
        }
        // After the rows: an upload moves a row from its path to its key.
        let uploads = (self.salvagedUploads.removeValue(forKey: recordingId) ?? [])
            + files.compactMap { $0.upload(recordingID: recordingId, root: self.finisher.root) }
        self.finisher.start(.init(recordingId: recordingId, directory: self.directory(job), stopped: reason == .stopped, uploads: uploads))
    }
}
