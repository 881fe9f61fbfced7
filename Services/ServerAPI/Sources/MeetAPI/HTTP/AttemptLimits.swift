import Hummingbird
import MeetCore
import MeetProtocol

/// Attempt counting for the abuse limits (logins, registrations, guest
/// joins, meeting passwords), over the ``RateLimiter`` port: per process,
/// or shared by every replica through Redis.
struct AttemptLimits: Sendable {
    let limiter: any RateLimiter
    /// ``APIConfiguration/authRateLimitWindow``.
    let window: Duration

    /// Counts one attempt against `key`; 429 `rate_limited` with `Retry-After` when over `maxAttempts` per window.
    func enforce(_ key: String, maxAttempts: Int) async throws {
        guard case .limited(let retryAfter) = try await self.count(key, maxAttempts: maxAttempts) else { return }
        throw Self.tooMany(retryAfter: retryAfter) { "too many attempts, retry in \($0) s" }
    }

    /// Counts one attempt against `key` and says whether it is within
    /// `maxAttempts` per window, without refusing anything.
    func count(_ key: String, maxAttempts: Int, window: Duration? = nil) async throws -> RateLimitDecision {
        try await self.limiter.attempt(key: key, limit: RateLimit(maxAttempts: maxAttempts, window: window ?? self.window))
    }

    /// 429 `rate_limited` with `Retry-After` in whole seconds (rounded up,
    /// at least 1) and a message made from them.
    static func tooMany(retryAfter: Duration, message: (Int64) -> String) -> APIError {
        let seconds = max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0))
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        return APIError(.rateLimited, message(seconds), headers: headers)
    }
}
