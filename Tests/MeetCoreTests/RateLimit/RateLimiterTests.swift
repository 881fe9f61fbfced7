import MeetCore
import NIOConcurrencyHelpers
import Testing

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current = NIOLockedValueBox(ContinuousClock.now)

    var now: ContinuousClock.Instant { self.current.withLockedValue { $0 } }

    func advance(by duration: Duration) {
        self.current.withLockedValue { $0 = $0.advanced(by: duration) }
    }
}

@Suite("In-process fixed-window rate limiter")
struct RateLimiterTests {
    let limit = RateLimit(maxAttempts: 3, window: .seconds(60))

    @Test("allows the limit, then refuses with the time left in the window")
    func limits() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter { clock.now }
        #expect(await limiter.attempt(key: "k", limit: self.limit) == .allowed(remaining: 2))
        #expect(await limiter.attempt(key: "k", limit: self.limit) == .allowed(remaining: 1))
        clock.advance(by: .seconds(10))
        #expect(await limiter.attempt(key: "k", limit: self.limit) == .allowed(remaining: 0))
        clock.advance(by: .seconds(5))
        #expect(await limiter.attempt(key: "k", limit: self.limit) == .limited(retryAfter: .seconds(45)))
    }

    @Test("keys are independent")
    func independentKeys() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter { clock.now }
        for _ in 0..<3 { _ = await limiter.attempt(key: "a", limit: self.limit) }
        #expect(!(await limiter.attempt(key: "a", limit: self.limit)).isAllowed)
        #expect(await limiter.attempt(key: "b", limit: self.limit).isAllowed)
    }

    @Test("a new window starts once the old one has passed")
    func windowResets() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter { clock.now }
        for _ in 0..<4 { _ = await limiter.attempt(key: "k", limit: self.limit) }
        clock.advance(by: .seconds(60))
        #expect(await limiter.attempt(key: "k", limit: self.limit) == .allowed(remaining: 2))
    }

    @Test("expired windows are swept so memory stays bounded")
    func sweeps() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(sweepInterval: 10) { clock.now }
        for index in 0..<9 { _ = await limiter.attempt(key: "old-\(index)", limit: self.limit) }
        #expect(await limiter.trackedKeys == 9)
        clock.advance(by: .seconds(61))
        _ = await limiter.attempt(key: "new", limit: self.limit)
        #expect(await limiter.trackedKeys == 1)
    }
}
