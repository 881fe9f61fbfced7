/// A fixed-window rate limiter shared by every replica through Redis: at
/// most `limit` attempts per `key` in each `window`.
///
/// One Lua script does `INCR` and, on the window's first hit, `PEXPIRE`,
/// atomically: two separate commands could leave a counter without expiry
/// (a crash between them) and lock the key out forever. The script also
/// repairs a counter that somehow lost its expiry.
///
/// Fixed windows allow up to `2 × limit` across a window boundary; that is
/// acceptable for login/register throttling, and it costs one key and one
/// round trip per attempt.
public struct RedisRateLimiter: Sendable {
    /// What one attempt learned.
    public struct Decision: Sendable, Hashable {
        /// Whether this attempt is within the limit.
        public var allowed: Bool
        /// Attempts counted in the current window, this one included.
        public var count: Int64
        /// Time until the window resets (and a refused caller may retry).
        public var retryAfter: Duration
    }

    static let script = RedisScript("""
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if count == 1 or ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return {count, ttl}
        """)

    private let client: RedisClient
    /// Prefix for every counter key, e.g. `"ratelimit:"`.
    public let keyPrefix: String

    public init(client: RedisClient, keyPrefix: String = "ratelimit:") {
        self.client = client
        self.keyPrefix = keyPrefix
    }

    /// Counts one attempt for `key`; true when it is allowed.
    public func attempt(key: String, limit: Int, window: Duration) async throws -> Bool {
        try await check(key: key, limit: limit, window: window).allowed
    }

    /// Counts one attempt for `key` and tells how many were made in this
    /// window and when it resets (for a `Retry-After` header).
    public func check(key: String, limit: Int, window: Duration) async throws -> Decision {
        let ms = RedisClient.milliseconds(window)
        let reply = try await client.evaluate(Self.script, keys: [keyPrefix + key], arguments: [String(ms)])
        guard let parts = reply.array, parts.count == 2,
              let count = parts[0].integer, let ttl = parts[1].integer
        else { throw RedisClientError.unexpectedReply("\(reply)") }
        return Decision(allowed: count <= Int64(limit), count: count, retryAfter: .milliseconds(max(ttl, 0)))
    }

    /// Forgets the attempts for `key` (e.g. after a successful login).
    public func reset(key: String) async throws {
        try await client.delete(keyPrefix + key)
    }
}
