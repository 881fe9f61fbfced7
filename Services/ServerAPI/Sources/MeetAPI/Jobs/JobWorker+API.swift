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
                    let job = try RecordingRetentionJobHandler.job(now: now, interval: recordings.retentionScanInterval)
                    if lastRetention.withLockedValue({ $0 }) != job.dedupeKey {
                        try await deps.storage.jobs.enqueue([job])
                        lastRetention.withLockedValue { $0 = job.dedupeKey }
                    }
                }
            },
            logger: logger)
    }
}
