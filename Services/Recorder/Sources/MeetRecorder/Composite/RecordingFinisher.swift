import Foundation
import Logging
import Metrics

/// What happens to a recording's files once the recorder is done with them
/// (docs/dev/recording.md, "Composite"): after a stop, the composite is
/// made from every per-track file the recording lists (all segments) and
/// listed as a file of kind `composite`; then (or at once, without a
/// composite) the files go to S3 when it is configured.
///
/// The composite runs before the uploads because an upload deletes the
/// local file ffmpeg reads; files uploaded before (an earlier segment's,
/// after a failover) are downloaded for it (``CompositeDownloads``). It runs off the job flow (``start(_:)``): a
/// long ffmpeg never delays another job's lease renewals. A recorder shut
/// down meanwhile leaves the rows for ``UploaderService`` to upload at its
/// next start; that recording then has no composite.
struct RecordingFinisher: Sendable {
    let metadata: (any RecordingMetadata)?
    /// Nil: composites are off (`MEET_RECORDING_COMPOSITE=false`).
    let maker: CompositeMaker?
    let uploader: RecordingUploader?
    /// The directory store's root: object keys are paths below it.
    let root: String
    let logger: Logger
    /// Fetches inputs already in S3 (nil without S3: only local files are composed).
    var downloads: CompositeDownloads? = nil

    static let made = Counter(label: "meet_recorder_composites_total")
    static let failed = Counter(label: "meet_recorder_composite_failures_total")
    static let seconds = Metrics.Timer(label: "meet_recorder_composite_seconds")

    /// One recording's end: compose (when `stopped` and composites are on), then upload.
    struct Work: Sendable {
        var recordingId: UUID
        /// The recording's directory (where the composite goes).
        var directory: URL?
        var stopped: Bool
        var uploads: [RecordingUploader.Upload]
    }

    /// Runs `work` in a task of its own; returns it (tests await it).
    @discardableResult
    func start(_ work: Work) -> Task<Void, Never> {
        Task { await self.finish(work) }
    }

    func finish(_ work: Work) async {
        var uploads = work.uploads
        if work.stopped, let maker = self.maker, let directory = work.directory,
            let made = await self.compose(work.recordingId, maker: maker, directory: directory),
            let upload = RecordingUploader.Upload(
                recordingID: work.recordingId, path: made.path, root: self.root, contentType: RecordingUploader.Upload.contentType(kind: "composite"))
        {
            uploads.append(upload)
        }
        await self.uploader?.enqueue(uploads)
    }

    private func compose(_ recordingId: UUID, maker: CompositeMaker, directory: URL) async -> CompositeMaker.Made? {
        var logger = self.logger
        logger[metadataKey: "recording.id"] = "\(recordingId)"
        let started = ContinuousClock.now
        do {
            var inputs = try await self.metadata?.compositeInputs(recordingId) ?? []
            // Earlier segments' files may be in S3 only (uploaded, deleted here): fetched into a scratch folder.
            let scratch = directory.appendingPathComponent(".composite-inputs-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: scratch) }
            if let downloads {
                inputs = try await downloads.localize(inputs, into: scratch)
            } else if inputs.contains(where: { $0.objectKey != nil }) {
                logger.warning("files listed in S3 but no S3 configured here: the composite leaves them out")
                inputs.removeAll { $0.objectKey != nil }
            }
            let made = try await maker.make(CompositePlan(inputs: inputs), in: directory)
            try await self.metadata?.composed(made, recordingId: recordingId)
            Self.made.increment()
            Self.seconds.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
            return made
        } catch CompositeMaker.Failure.nothingToCompose {
            logger.info("no per-track file to compose")
        } catch {
            Self.failed.increment()
            logger.error("the composite failed: the per-track files stay", metadata: ["error": "\(error)"])
        }
        return nil
    }
}
