/// A fixed-window ``RateLimiter`` for one process.
///
/// Each key counts attempts since the start of its current window; the
/// window starts at the key's first attempt. Expired windows are swept
/// every `sweepInterval` attempts so memory stays bounded by the number of
/// keys active in one window. The clock is injected so tests need no sleeps.
public actor InMemoryRateLimiter: RateLimiter {
    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
        var length: Duration
    }

    private var windows: [String: Window] = [:]
    private var attemptsSinceSweep = 0
    private let sweepInterval: Int
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(sweepInterval: Int = 1024, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.sweepInterval = sweepInterval
        self.now = now
    }

    public func attempt(key: String, limit: RateLimit) -> RateLimitDecision {
        let now = self.now()
        self.sweepIfDue(now: now)
        var window = self.windows[key] ?? Window(start: now, count: 0, length: limit.window)
        if now - window.start >= limit.window {
            window = Window(start: now, count: 0, length: limit.window)
        }
        window.count += 1
        self.windows[key] = window
        guard window.count <= limit.maxAttempts else {
            return .limited(retryAfter: window.start + limit.window - now)
        }
        return .allowed(remaining: limit.maxAttempts - window.count)
    }

    /// Number of keys currently tracked (for tests).
    public var trackedKeys: Int { self.windows.count }

    private func sweepIfDue(now: ContinuousClock.Instant) {
        self.attemptsSinceSweep += 1
        guard self.attemptsSinceSweep >= self.sweepInterval else { return }
        self.attemptsSinceSweep = 0
        self.windows = self.windows.filter { now - $0.value.start < $0.value.length }
    }
}
