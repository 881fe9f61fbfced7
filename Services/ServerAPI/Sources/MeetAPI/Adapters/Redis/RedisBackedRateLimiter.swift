public import Logging
public import MeetCore
public import MeetRedis
import Metrics

/// The ``RateLimiter`` port over MeetRedis's ``RedisRateLimiter``: one
/// counter per key in Redis, so every meet-api replica counts the same
/// attempts (the adapter lives here because MeetRedis does not depend on
/// MeetCore, and MeetCore need not know about Redis).
///
/// **Fails open, deliberately.** When Redis does not answer (down, or slower
/// than its request timeout) the attempt is decided by a per-process
/// ``InMemoryRateLimiter`` instead: login stays available through a Redis
/// outage, limits are then only per replica (so at most `replicas × limit`
/// per window), and every such decision increments
/// `meet_api_rate_limit_fail_open_total`. A warning is logged when Redis
/// starts failing and a notice when it answers again, not once per request.
/// Failing closed would turn a Redis outage into a login outage.
public actor RedisBackedRateLimiter: RateLimiter {
    private let redis: RedisRateLimiter
    private let fallback: InMemoryRateLimiter
    private let logger: Logger
    private let failOpen = Counter(label: "meet_api_rate_limit_fail_open_total")
    /// Whether the last attempt fell back; logs only on transitions.
    private var degraded = false

    /// - Parameters:
    ///   - client: a running ``RedisClient``; its request timeout bounds how
    ///     long an attempt waits before failing open.
    ///   - keyPrefix: prefix of every counter key in Redis.
    public init(
        client: RedisClient,
        keyPrefix: String = "meet:api:ratelimit:",
        fallback: InMemoryRateLimiter = InMemoryRateLimiter(),
        logger: Logger
    ) {
        self.redis = RedisRateLimiter(client: client, keyPrefix: keyPrefix)
        self.fallback = fallback
        self.logger = logger
    }

    public func attempt(key: String, limit: RateLimit) async throws -> RateLimitDecision {
        let decision: RedisRateLimiter.Decision
        do {
            decision = try await self.redis.check(key: key, limit: limit.maxAttempts, window: limit.window)
        } catch {
            self.failOpen.increment()
            if !self.degraded {
                self.degraded = true
                self.logger.warning(
                    "rate limiter: Redis failed; failing open to per-process limits until it answers again",
                    metadata: ["error": "\(error)"])
            }
            return await self.fallback.attempt(key: key, limit: limit)
        }
        if self.degraded {
            self.degraded = false
            self.logger.notice("rate limiter: Redis answers again; limits are shared across replicas")
        }
        guard decision.allowed else { return .limited(retryAfter: decision.retryAfter) }
        return .allowed(remaining: max(0, limit.maxAttempts - Int(decision.count)))
    }
}
