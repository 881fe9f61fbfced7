import Foundation
import Logging
import MeetMail
import NIOConcurrencyHelpers

extension JobWorker {
    /// meet-api's worker: `email` jobs through SMTP when `MEET_SMTP_HOST` is
    /// set (a replica without it leaves them to one with it), and the
    /// reminder scan every `MEET_REMINDER_SCAN_SECONDS`.
    static func api(configuration: APIConfiguration, deps: APIDependencies, logger: Logger) -> JobWorker {
        var handlers: [String: any JobHandler] = [:]
        if let smtp = configuration.email.smtp {
            handlers[EmailJob.kind] = EmailJobHandler(sender: SMTPClient(configuration: smtp))
            logger.info("email is on", metadata: ["smtp.host": "\(smtp.host)", "smtp.port": "\(smtp.port)"])
        } else {
            logger.info("email is off (MEET_SMTP_HOST is not set): notifications are in-app only")
        }
        // Recording retention (docs/operations.md): one sweep per interval, run by one replica.
        let recordings = configuration.recordings
        if recordings.retentionDays > 0 {
            handlers[RecordingRetentionJobHandler.kind] = RecordingRetentionJobHandler(
                retention: RecordingRetention(recordings: deps.recordings, stores: RecordingStores(configuration: recordings)),
                days: recordings.retentionDays, jobs: deps.storage.jobs, interval: recordings.retentionScanInterval)
        }
        // Attachments nobody can download any more (docs/operations.md, "Data rights"): one sweep per interval.
        let cleanup = AttachmentCleanup(attachments: deps.attachments, stores: RecordingStores(configuration: recordings))
        let sweepInterval = configuration.attachments.sweepInterval
        handlers[AttachmentCleanupJobHandler.kind] = AttachmentCleanupJobHandler(
            cleanup: cleanup, jobs: deps.storage.jobs, interval: sweepInterval)
        let lastSweep = NIOLockedValueBox<String?>(nil)
        let scanner = ReminderScanner(storage: deps.storage, notices: deps.notices)
        let interval = RetryPolicy.seconds(configuration.email.reminderScanInterval)
        let lastScan = NIOLockedValueBox(Date.distantPast)
        let lastRetention = NIOLockedValueBox<String?>(nil)
        let email = configuration.email
        return JobWorker(
            queue: deps.storage.jobs, handlers: handlers,
            settings: Settings(
                workerId: "api-\(UUID().uuidString.prefix(8).lowercased())", pollInterval: email.jobPollInterval,
                retry: RetryPolicy(base: email.retryBase, cap: email.retryCap, maxAttempts: email.maxAttempts)),
            beforePoll: {
                let now = Date()
                let due = lastScan.withLockedValue { last in
                    guard now.timeIntervalSince(last) >= interval else { return false }
                    last = now
                    return true
                }
                if due { try await scanner.scan(now: now) }
                if recordings.retentionDays > 0 {
                    try await enqueueOnce(
                        RecordingRetentionJobHandler.job(now: now, interval: recordings.retentionScanInterval), last: lastRetention,
                        jobs: deps.storage.jobs)
                }
                try await enqueueOnce(
                    AttachmentCleanupJobHandler.job(now: now, interval: sweepInterval), last: lastSweep, jobs: deps.storage.jobs)
            },
            logger: logger)
    }
}

/// Enqueues `job` unless this replica already enqueued that dedupe key (the
/// table's dedupe holds across replicas; this only spares a write per poll).
private func enqueueOnce(_ job: NewJob, last: NIOLockedValueBox<String?>, jobs: any JobQueue) async throws {
    guard last.withLockedValue({ $0 }) != job.dedupeKey else { return }
    try await jobs.enqueue([job])
    last.withLockedValue { $0 = job.dedupeKey }
}

extension NewJob {
    /// A sweep's job for the slot of `interval` that `now` falls in: each
    /// replica enqueues one per slot under the same dedupe key, so the jobs
    /// table's `SKIP LOCKED` claim hands it to exactly one of them.
    static func periodic(kind: String, now: Date, interval: Duration) throws -> NewJob {
        let seconds = max(1, Int(interval.components.seconds))
        let slot = Int(now.timeIntervalSince1970) / seconds
        return try NewJob(kind: kind, encoding: [String: Int](), dedupeKey: "\(kind):\(seconds):\(slot)", runAt: now)
    }
}
