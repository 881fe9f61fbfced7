/// The per-socket message rate limit: a token bucket, sans I/O.
///
/// Holds up to `burst` tokens, refilled at `ratePerSecond`; each message
/// takes one. The caller passes the time in, so tests drive it with a fake
/// clock and no sleeps. A bucket (rather than a fixed window) lets a client
/// send a short burst, such as the messages right after joining, while still
/// bounding the sustained rate.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Int
    public let burst: Int
    private var tokens: Double
    private var last: ContinuousClock.Instant

    public init(ratePerSecond: Int, burst: Int, now: ContinuousClock.Instant) {
        self.ratePerSecond = max(1, ratePerSecond)
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
        self.last = now
    }

    /// Takes one token if there is one; returns whether the message may pass.
    public mutating func take(now: ContinuousClock.Instant) -> Bool {
        if now > self.last {
            let elapsed = now - self.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            self.tokens = min(Double(self.burst), self.tokens + seconds * Double(self.ratePerSecond))
            self.last = now
        }
        guard self.tokens >= 1 else { return false }
        self.tokens -= 1
        return true
    }
}
