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
        let stores = self.stores
        for candidate in try await self.attachments.abandoned(unsentBefore: cutoff, limit: Self.batch) {
            do {
                // The row stays locked while its file goes: a `chat` naming it meanwhile finds it gone.
                let gone = try await self.attachments.deleteUnsent(id: candidate.id) { attachment in
                    try await stores.store(attachment.storage).delete(key: attachment.key)
                }
                if gone { deleted += 1 }
            } catch StorageError.unavailable(let message) {
                throw StorageError.unavailable(message)
            } catch {
                Self.logger.warning("attachment kept: its file cannot be deleted", metadata: [
                    "attachment.id": "\(candidate.id)", "error": "\(error)",
                ])
            }
        }
        return deleted
    }
}

/// The job that runs ``AttachmentCleanup/sweep(now:)``: one per
/// `MEET_ATTACHMENT_SWEEP_SECONDS`, under one dedupe key for every replica.
/// Each run also deletes the job rows of earlier runs done more than an
/// interval ago, as recording retention does, so the table keeps no row per interval for good.
struct AttachmentCleanupJobHandler: JobHandler {
    static let kind = "attachment-cleanup"
    let cleanup: AttachmentCleanup
    let jobs: any JobQueue
    let interval: Duration

    func run(_ job: ClaimedJob) async throws(JobFailure) {
        let now = Date()
        do {
            _ = try await self.cleanup.sweep(now: now)
            try await self.jobs.purgeDone(kind: Self.kind, before: now.addingTimeInterval(-Double(max(1, self.interval.components.seconds))))
        } catch {
            throw .transient("attachment cleanup: \(error)")
        }
    }

    /// The job of the interval `now` falls in.
    static func job(now: Date, interval: Duration) throws -> NewJob {
        try NewJob.periodic(kind: kind, now: now, interval: interval)
    }
}
