public import Foundation
public import Logging
public import MeetStorage
import NIOConcurrencyHelpers

/// Moves finished track files from the recorder's directory to S3
/// (`MEET_RECORDING_STORAGE=s3`, docs/dev/recording.md, "Storage").
///
/// The file row is written first with the local path (`storage =
/// directory`), so the recording is complete in the database whatever
/// happens to S3. Then, per file, in order: upload (one PUT, or multipart
/// above the part size), point the row at the object (`storage = s3`), and
/// only then delete the local file. Each step is retried with capped
/// exponential backoff until it succeeds, so an S3 outage only delays the
/// move: nothing is deleted before its object exists and its row names it.
/// A recorder that shuts down with uploads pending leaves their files and
/// rows as they are; the next start finds them again
/// (``RecordingMetadata/pendingUploads(under:)``) and carries on.
public actor RecordingUploader {
    /// One file to move.
    public struct Upload: Hashable, Sendable {
        public var recordingID: UUID
        /// The local path (what the row says until the move).
        public var path: String
        /// The object key: the path below the directory root, `{meeting}/{recording}/{file}`.
        public var key: String
        /// `audio/webm` or `video/webm` (S3 serves it with this type).
        public var contentType: String

        public init(recordingID: UUID, path: String, key: String, contentType: String = "video/webm") {
            self.recordingID = recordingID
            self.path = path
            self.key = key
            self.contentType = contentType
        }
    }

    let objects: any ObjectUploading
    let metadata: (any RecordingMetadata)?
    let backoff: (base: Duration, cap: Duration)
    let logger: Logger
    private var queue: [Upload] = []
    private var queued: Set<Upload> = []
    private var worker: Task<Void, Never>?

    public init(
        objects: any ObjectUploading, metadata: (any RecordingMetadata)?, backoff: (base: Duration, cap: Duration) = (.milliseconds(500), .seconds(30)),
        logger: Logger
    ) {
        self.objects = objects
        self.metadata = metadata
        self.backoff = backoff
        self.logger = logger
    }

    /// Files waiting to move (a gauge for tests and logs).
    public var pending: Int { queue.count }

    /// Queues files; one already queued is not queued twice.
    public func enqueue(_ uploads: [Upload]) {
        for upload in uploads where queued.insert(upload).inserted { queue.append(upload) }
        guard worker == nil, !queue.isEmpty else { return }
        worker = Task { await self.drain() }
    }

    /// Stops moving files (shutdown); what is left stays on disk for the next start.
    public func stop() {
        worker?.cancel()
        worker = nil
    }

    /// Waits until the queue is empty or `timeout` passes; true when empty.
    public func waitUntilEmpty(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !queue.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return queue.isEmpty
    }

    private func drain() async {
        while let upload = queue.first, !Task.isCancelled {
            await move(upload)
            guard !Task.isCancelled else { break }
            queue.removeFirst()
            queued.remove(upload)
        }
        worker = nil
    }

    /// Upload, row, delete: each retried until it succeeds or the task is cancelled.
    private func move(_ upload: Upload) async {
        var log = logger
        log[metadataKey: "recording.id"] = "\(upload.recordingID)"
        log[metadataKey: "key"] = "\(upload.key)"
        guard FileManager.default.fileExists(atPath: upload.path) else {
            log.warning("file to upload is gone: leaving its row as it is")
            return
        }
        let objects = self.objects
        let gone = NIOLockedValueBox(false)
        guard await retrying("upload", log, { () async throws in
            // Checked at each try: the file may go while S3 is down (a host
            // deleted the recording through the shared directory), and an
            // upload of nothing would be retried for ever.
            guard FileManager.default.fileExists(atPath: upload.path) else {
                gone.withLockedValue { $0 = true }
                return
            }
            try await objects.upload(key: upload.key, file: upload.path, contentType: upload.contentType)
        }) else { return }
        if gone.withLockedValue({ $0 }) {
            log.warning("file to upload went away meanwhile: nothing to upload")
            return
        }
        if let metadata {
            let moved = NIOLockedValueBox(true)
            guard await retrying("record upload", log, { () async throws in
                let updated = try await metadata.uploaded(recordingId: upload.recordingID, path: upload.path, key: upload.key)
                moved.withLockedValue { $0 = updated }
            }) else { return }
            if !moved.withLockedValue({ $0 }) {
                // No row names the file any more (the recording was deleted
                // meanwhile): the object would belong to nothing, so it goes.
                log.notice("recording deleted during the upload: removing the object again")
                _ = await retrying("delete orphan object", log, { () async throws in try await objects.delete(key: upload.key) })
            }
        }
        do {
            try FileManager.default.removeItem(atPath: upload.path)
        } catch {
            log.warning("uploaded, but cannot delete the local file", metadata: ["error": "\(error)"])
        }
        log.info("track file uploaded")
    }

    /// Runs `step` until it succeeds, sleeping base · 2ⁿ (at most cap) between tries;
    /// false when cancelled first.
    private func retrying(_ what: String, _ log: Logger, _ step: () async throws -> Void) async -> Bool {
        var delay = backoff.base
        var failures = 0
        while !Task.isCancelled {
            do {
                try await step()
                if failures > 0 { log.notice("\(what) succeeded after \(failures) failed tries") }
                return true
            } catch {
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    log.warning("\(what) failed: retrying", metadata: ["error": "\(error)", "tries": "\(failures)"])
                }
                if case StorageError.rejected = error, failures >= 5 {
                    log.error("\(what) refused by the store; the file stays on disk", metadata: ["error": "\(error)"])
                    return false
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, backoff.cap)
            }
        }
        return false
    }
}

extension RecordedFile {
    /// The upload that moves this file: its key is its path below `root`.
    func upload(recordingID: UUID, root: String) -> RecordingUploader.Upload? {
        RecordingUploader.Upload(
            recordingID: recordingID, path: self.path, root: root, contentType: name.codec.contentType)
    }
}

extension RecordingUploader.Upload {
    /// The upload of the file at `path` (as its row names it), keyed by its
    /// place below `root`; nil for a file outside the root.
    init?(recordingID: UUID, path: String, root: String, contentType: String = "video/webm") {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard standardized.hasPrefix(prefix) else { return nil }
        self.init(recordingID: recordingID, path: path, key: String(standardized.dropFirst(prefix.count)), contentType: contentType)
    }

    /// The WebM type of a track's file.
    static func contentType(video: Bool) -> String { video ? "video/webm" : "audio/webm" }
    /// The type of a file by its row's kind: the composite is an MP4.
    static func contentType(kind: String) -> String { kind == "composite" ? "video/mp4" : contentType(video: kind != "audio") }
}

/// Where ``RecordingUploader`` puts files: ``S3Client``, or a fake in tests.
public protocol ObjectUploading: Sendable {
    func upload(key: String, file path: String, contentType: String) async throws
    /// Deletes an object uploaded for a row that no longer exists.
    func delete(key: String) async throws
}

extension S3Client: ObjectUploading {}
