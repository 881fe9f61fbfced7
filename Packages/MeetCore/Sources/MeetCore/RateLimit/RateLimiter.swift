/// Counts attempts per key in fixed windows and says when to stop.
///
/// A protocol so the per-process implementation (``InMemoryRateLimiter``)
/// can be swapped for one shared by every replica (Redis `INCR` + `EXPIRE`
/// has exactly these fixed-window semantics).
public protocol RateLimiter: Sendable {
    /// Records one attempt for `key` and returns whether it is within `limit`.
    func attempt(key: String, limit: RateLimit) async throws -> RateLimitDecision
}

/// At most `maxAttempts` per `window`.
public struct RateLimit: Sendable, Equatable {
    public var maxAttempts: Int
    public var window: Duration

    public init(maxAttempts: Int, window: Duration) {
        self.maxAttempts = maxAttempts
        self.window = window
    }
}

/// The answer to one attempt.
public enum RateLimitDecision: Sendable, Equatable {
    case allowed(remaining: Int)
    /// Over the limit; the window resets after `retryAfter`.
    case limited(retryAfter: Duration)

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}
