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
        let scanner = ReminderScanner(storage: deps.storage, notices: deps.notices)
        let interval = RetryPolicy.seconds(configuration.email.reminderScanInterval)
        let lastScan = NIOLockedValueBox(Date.distantPast)
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
            },
            logger: logger)
    }
}
