import Foundation

/// When a failed job runs again: exponential backoff from ``base``, doubled
/// per attempt up to ``cap``, with up to a fifth of jitter so that jobs
/// failed together (an SMTP outage) do not retry together; given up after
/// ``maxAttempts``, or at once for a permanent failure. Pure: the jitter
/// comes in as a number in 0..<1.
struct RetryPolicy: Sendable, Equatable {
    var base: Duration = .seconds(2)
    var cap: Duration = .seconds(3600)
    var maxAttempts = 12

    enum Decision: Sendable, Equatable {
        case retry(after: TimeInterval)
        case giveUp
    }

    /// After attempt number `attempts` (1 for the first) failed.
    func decide(attempts: Int, failure: JobFailure, jitter: Double) -> Decision {
        guard case .transient = failure, attempts < self.maxAttempts else { return .giveUp }
        let base = Self.seconds(self.base), cap = Self.seconds(self.cap)
        let delay = min(cap, base * pow(2, Double(min(attempts - 1, 40))))
        return .retry(after: delay * (1 + 0.2 * min(max(jitter, 0), 1)))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// How a job failed.
enum JobFailure: Error, Sendable, Equatable {
    /// Worth another try (a server down, a timeout, a 4xx SMTP reply).
    case transient(String)
    /// Will never work (a 5xx SMTP refusal, an unreadable payload).
    case permanent(String)

    var message: String {
        switch self {
        case .transient(let message), .permanent(let message): message
        }
    }
}

/// Runs the jobs of one kind.
protocol JobHandler: Sendable {
    func run(_ job: ClaimedJob) async throws(JobFailure)
}
