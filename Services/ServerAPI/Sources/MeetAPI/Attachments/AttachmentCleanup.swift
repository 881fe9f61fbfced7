import Foundation
import Logging
import MeetCore
import MeetStorage

/// Deletes the attachments nobody can download any more: those whose
/// meeting was removed (with its owner's account: the rows' foreign keys
/// set NULL, never cascade), whose message is gone, or that were uploaded
/// and never sent within ``AttachmentController/unsentLifetime``.
///
/// The object first, then the row, as recording retention does: a store
/// that fails leaves the row for the next sweep, so no object is forgotten.
struct AttachmentCleanup: Sendable {
    let attachments: any AttachmentRepository
    let stores: RecordingStores

    /// Attachments handled per sweep; a longer backlog takes the following sweeps.
    static let batch = 200

    static let logger = Logger(label: "meet.api.attachments")

    /// Returns how many were deleted. A store that is down ends the sweep
    /// (thrown, for the job to retry); an object that can never be deleted
    /// here (no S3 configured, a bad key) is logged and its row kept.
    func sweep(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-AttachmentController.unsentLifetime.timeInterval)
        var deleted = 0
        for attachment in try await self.attachments.abandoned(unsentBefore: cutoff, limit: Self.batch) {
            do {
                try await self.stores.store(attachment.storage).delete(key: attachment.key)
            } catch StorageError.unavailable(let message) {
                throw StorageError.unavailable(message)
            } catch {
                Self.logger.warning("attachment kept: its file cannot be deleted", metadata: [
                    "attachment.id": "\(attachment.id)", "error": "\(error)",
                ])
                continue
            }
            try await self.attachments.delete(id: attachment.id)
            deleted += 1
        }
        return deleted
    }
}

/// The job that runs ``AttachmentCleanup/sweep(now:)``: one per
/// `MEET_ATTACHMENT_SWEEP_SECONDS`, under one dedupe key for every replica.
struct AttachmentCleanupJobHandler: JobHandler {
    static let kind = "attachment-cleanup"
    let cleanup: AttachmentCleanup

    func run(_ job: ClaimedJob) async throws(JobFailure) {
        do {
            _ = try await self.cleanup.sweep(now: Date())
        } catch {
            throw .transient("attachment cleanup: \(error)")
        }
    }

    /// The job of the interval `now` falls in.
    static func job(now: Date, interval: Duration) throws -> NewJob {
        try NewJob.periodic(kind: kind, now: now, interval: interval)
    }
}
