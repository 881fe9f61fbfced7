import Foundation
public import MeetCore
public import MeetMail

/// Email and jobs settings of meet-api (`MEET_SMTP_*`, `MEET_PUBLIC_URL`,
/// `MEET_JOBS_*`, `MEET_REMINDER_SCAN_SECONDS`; docs/configuration.md).
///
/// Without `MEET_SMTP_HOST` email is off: invitations, notices and
/// reminders still reach the in-app list, and no email job is queued.
public struct EmailConfiguration: Sendable, Equatable {
    /// `nil`: email is off.
    public var smtp: SMTPConfiguration?
    /// The From of every message.
    public var from: String
    /// Where the web client is, for the links in messages.
    public var publicURL: String
    /// The job worker's poll interval when idle.
    public var jobPollInterval: Duration
    /// Failed email retries: first delay (doubled each time), the cap, and the attempts before giving up.
    public var retryBase: Duration
    public var retryCap: Duration
    public var maxAttempts: Int
    /// How often a replica looks for reminders that are due.
    public var reminderScanInterval: Duration

    public init(
        smtp: SMTPConfiguration? = nil, from: String = "meet@localhost", publicURL: String = "http://127.0.0.1:8080",
        jobPollInterval: Duration = .seconds(1), retryBase: Duration = .seconds(2), retryCap: Duration = .seconds(3600),
        maxAttempts: Int = 12, reminderScanInterval: Duration = .seconds(30)
    ) {
        self.smtp = smtp
        self.from = from
        self.publicURL = publicURL
        self.jobPollInterval = jobPollInterval
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.maxAttempts = maxAttempts
        self.reminderScanInterval = reminderScanInterval
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        var smtp: SMTPConfiguration?
        if let host = environment.string("MEET_SMTP_HOST"), !host.isEmpty {
            let username = environment.string("MEET_SMTP_USERNAME")
            let password = environment.string("MEET_SMTP_PASSWORD")
            guard (username == nil) == (password == nil) else {
                throw ConfigurationError(variable: "MEET_SMTP_USERNAME", message: "and MEET_SMTP_PASSWORD must be set together")
            }
            smtp = SMTPConfiguration(
                host: host, port: try environment.int("MEET_SMTP_PORT", default: 25, in: 1...65_535),
                clientName: environment.string("MEET_SMTP_HELO_NAME", default: "meet-api"),
                credentials: username.map { SMTPCredentials(username: $0, password: password ?? "") },
                timeout: try environment.seconds("MEET_SMTP_TIMEOUT_SECONDS", default: 10, in: 1...300))
        }
        let from = environment.string("MEET_SMTP_FROM", default: "meet@localhost")
        guard Self.isPlainAddress(from) else {
            throw ConfigurationError(variable: "MEET_SMTP_FROM", message: "must be a bare address such as meet@example.com")
        }
        let publicURL = environment.string("MEET_PUBLIC_URL", default: "http://127.0.0.1:8080")
        guard publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://") else {
            throw ConfigurationError(variable: "MEET_PUBLIC_URL", message: "must start with http:// or https://")
        }
        self.init(
            smtp: smtp, from: from, publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL,
            jobPollInterval: .milliseconds(try environment.int("MEET_JOBS_POLL_MS", default: 1000, in: 50...60_000)),
            retryBase: .milliseconds(try environment.int("MEET_JOBS_RETRY_BASE_MS", default: 2000, in: 100...3_600_000)),
            retryCap: try environment.seconds("MEET_JOBS_RETRY_MAX_SECONDS", default: 3600, in: 1...86_400),
            maxAttempts: try environment.int("MEET_JOBS_MAX_ATTEMPTS", default: 12, in: 1...100),
            reminderScanInterval: try environment.seconds("MEET_REMINDER_SCAN_SECONDS", default: 30, in: 1...3600))
    }

    /// `local@domain`, nothing that could break a header or an SMTP command.
    static func isPlainAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F && !"<>\"(),;:\\[]".unicodeScalars.contains($0) }
    }
}
