import Foundation
import MeetMail

/// The payload of an `email` job: a message already rendered, so every
/// attempt sends the same bytes with the same Message-ID.
struct EmailJob: Codable, Sendable, Equatable {
    static let kind = "email"
    var from: String
    var to: [String]
    var message: String
}

/// Hands a message to a mail server; ``SMTPClient`` in the service.
protocol MailSender: Sendable {
    func send(message: String, from: String, to: [String]) async throws(SMTPError)
}

extension SMTPClient: MailSender {}

/// Runs `email` jobs: an SMTP refusal with a 5xx is permanent; everything
/// else (no connection, a timeout, a 4xx) is retried with backoff.
struct EmailJobHandler: JobHandler {
    let sender: any MailSender

    func run(_ job: ClaimedJob) async throws(JobFailure) {
        let email: EmailJob
        do {
            email = try JSONDecoder().decode(EmailJob.self, from: job.payload)
        } catch {
            throw .permanent("unreadable email job: \(error)")
        }
        do {
            try await self.sender.send(message: email.message, from: email.from, to: email.to)
        } catch {
            throw error.isTransient ? .transient(error.description) : .permanent(error.description)
        }
    }
}
