import Foundation
import Logging
import MeetStorage

/// Deletes recordings' files from their stores and marks the recordings
/// deleted: a host's `DELETE /v1/recordings/{id}`, and the retention sweep
/// (`MEET_RECORDING_RETENTION_DAYS`, docs/operations.md).
///
/// Files first, then the mark: a store failure leaves the recording listed
/// with whatever files remain, and the next try (deletes are idempotent)
/// finishes it. Nothing is marked deleted that still has a file.
struct RecordingRetention: Sendable {
    let recordings: any RecordingRepository
    let stores: RecordingStores

    /// Recordings handled per sweep; a longer backlog takes the following sweeps.
    static let batch = 100

    /// Deletes one recording's files and marks it deleted.
    func delete(_ recordingId: UUID) async throws {
        for file in try await self.recordings.storedFiles(recordingId: recordingId) {
            do {
                try await self.stores.store(file.storage).delete(key: file.key)
            } catch let error as StorageError {
                throw RecordingPlaybackController.apiError(error)
            }
        }
        try await self.recordings.markDeleted(recordingId: recordingId)
    }

    /// Deletes what ended more than `days` before `now`, at most ``batch``
    /// a sweep; returns how many recordings were deleted. A store that is
    /// down stops the sweep and is thrown, for the job to retry. A
    /// recording whose files cannot be deleted for good (the store refuses,
    /// a key outside it, a store this server has no access to) is logged and
    /// skipped, so it does not hold back every newer one; it is looked at
    /// again by each sweep, among the first ``batch`` × 10 expired.
    func sweep(now: Date, days: Int) async throws -> Int {
        let cutoff = Self.cutoff(now: now, days: days)
        var deleted = 0
        for id in try await self.recordings.expired(before: cutoff, limit: Self.batch * 10) where deleted < Self.batch {
            if let stuck = try await self.purge(id) {
                Self.logger.warning("recording kept past its retention: its files cannot be deleted", metadata: [
                    "recording.id": "\(id)", "error": "\(stuck)",
                ])
                continue
            }
            deleted += 1
        }
        return deleted
    }

    static let logger = Logger(label: "meet.api.retention")

    /// The sweep's delete: nil when done; why not, when it cannot be done
    /// by trying again; throws when the store is down.
    private func purge(_ recordingId: UUID) async throws -> String? {
        for file in try await self.recordings.storedFiles(recordingId: recordingId) {
            let store: any RecordingStore
            do {
                store = try self.stores.store(file.storage)
            } catch {
                return "\(error)"
            }
            do {
                try await store.delete(key: file.key)
            } catch StorageError.unavailable(let message) {
                throw StorageError.unavailable(message)
            } catch {
                return "\(error)"
            }
        }
        try await self.recordings.markDeleted(recordingId: recordingId)
        return nil
    }

    /// `days` whole days before `now`.
    static func cutoff(now: Date, days: Int) -> Date {
        now.addingTimeInterval(-Double(days) * 86_400)
    }
}

/// The job that runs ``RecordingRetention/sweep(now:days:)``: each replica
/// enqueues one per scan interval under the same dedupe key, so the jobs
/// table's `SKIP LOCKED` claim hands it to exactly one of them. Each run
/// also deletes the rows of earlier runs done more than an interval ago:
/// their slot is over, so no replica enqueues their key again, and the
/// table does not keep one row per interval for good.
struct RecordingRetentionJobHandler: JobHandler {
    static let kind = "recording-retention"
    let retention: RecordingRetention
    let days: Int
    let jobs: any JobQueue
    let interval: Duration

    func run(_ job: ClaimedJob) async throws(JobFailure) {
        let now = Date()
        do {
            _ = try await self.retention.sweep(now: now, days: self.days)
            try await self.jobs.purgeDone(kind: Self.kind, before: now.addingTimeInterval(-Double(max(1, self.interval.components.seconds))))
        } catch {
            throw .transient("recording retention: \(error)")
        }
    }

    /// The job of the scan interval `now` falls in.
    static func job(now: Date, interval: Duration) throws -> NewJob {
        try NewJob.periodic(kind: kind, now: now, interval: interval)
    }
}
