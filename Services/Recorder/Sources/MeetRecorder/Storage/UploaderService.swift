import Logging
import ServiceLifecycle

/// Runs ``RecordingUploader`` with the recorder: at start it picks up the
/// uploads a previous run left (rows still naming a local path); on
/// shutdown it gives the queue a few seconds, then leaves the rest on disk
/// for the next start. Listed before the jobs service, so it stops after
/// it and sees the files that service finished on the way out.
struct UploaderService: Service {
    let uploader: RecordingUploader
    let metadata: (any RecordingMetadata)?
    let root: String
    let logger: Logger

    func run() async throws {
        if let metadata {
            do {
                let pending = try await metadata.pendingUploads(under: root)
                if !pending.isEmpty { logger.notice("resuming uploads a previous run left", metadata: ["files": "\(pending.count)"]) }
                await uploader.enqueue(pending)
            } catch {
                logger.warning("cannot read the uploads a previous run left; they wait for the next start", metadata: ["error": "\(error)"])
            }
        }
        try? await gracefulShutdown()
        if await !uploader.waitUntilEmpty(timeout: .seconds(5)) {
            let left = await uploader.pending
            logger.notice("uploads left on disk for the next start", metadata: ["files": "\(left)"])
        }
        await uploader.stop()
    }
}
