import Foundation
import Testing

@testable import MeetRedis

/// The client's circuit breaker (issue #23, finding 2): a Redis that hangs
/// makes requests fail at once, not each after the request timeout.
@Suite struct CircuitBreakerTests {
    typealias Breaker = CircuitBreaker<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    @Test func aCommandUnansweredPastTheDeadlineWithNothingElseAnsweredOpensIt() {
        var breaker = Breaker(deadline: .milliseconds(500))
        #expect(breaker.admit() == .send)
        // Not yet at the deadline: nothing happens.
        let r1 = breaker.unanswered(sentAt: self.t0, now: self.t0 + .milliseconds(499))
        #expect(!r1)
        let r2 = breaker.unanswered(sentAt: self.t0, now: self.t0 + .milliseconds(500))
        #expect(r2)
        #expect(breaker.state == .open(since: self.t0 + .milliseconds(500)))
        #expect(breaker.admit() == .reject)
        // A second stalled command does not open it again (one "opened" per outage).
        let r3 = breaker.unanswered(sentAt: self.t0 + .milliseconds(100), now: self.t0 + .milliseconds(600))
        #expect(!r3)
    }

    @Test func aSlowCommandWhileRedisAnswersOthersDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(500))
        // Something was answered after the command was sent: Redis is making progress.
        let r4 = breaker.replied(now: self.t0 + .milliseconds(200))
        #expect(r4 == nil)
        let r5 = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(1))
        #expect(!r5)
        #expect(breaker.admit() == .send)
        // A reply from before the command was sent proves nothing about it.
        let r6 = breaker.unanswered(sentAt: self.t0 + .milliseconds(300), now: self.t0 + .seconds(1))
        #expect(r6)
    }

    @Test func oneProbeAtATimeAndTheFirstAnswerClosesIt() {
        var breaker = Breaker(deadline: .milliseconds(500))
        let r7 = breaker.startProbe()
        #expect(!r7)  // closed: nothing to probe
        let r8 = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(1))
        #expect(r8)
        let r9 = breaker.startProbe()
        #expect(r9)
        let r10 = breaker.startProbe()
        #expect(!r10)  // one on its way already
        let r11 = breaker.probeFailed()
        #expect(r11)  // still open: probe again
        let r12 = breaker.startProbe()
        #expect(r12)
        // Any answer (the probe's, or a command's sent before the stall) closes it.
        let r13 = breaker.replied(now: self.t0 + .seconds(3))
        #expect(r13 == .seconds(2))
        #expect(breaker.state == .closed)
        #expect(breaker.admit() == .send)
        #expect(!breaker.isProbing)
        let r14 = breaker.probeFailed()
        #expect(!r14)  // a late probe failure after closing starts nothing
    }

    @Test func aLostConnectionForgetsItsReplies() {
        var breaker = Breaker(deadline: .milliseconds(500))
        _ = breaker.replied(now: self.t0 + .seconds(1))
        breaker.connectionLost()
        #expect(breaker.lastReplyAt == nil)
        let r15 = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(2))
        #expect(r15)
    }

    /// A private Redis is frozen (SIGSTOP) under a client whose request
    /// timeout is a minute: the first request is sent and gets no answer,
    /// the breaker opens and fails it with `unavailable` (not a timeout),
    /// and every later request fails with `unavailable` too. After the thaw
    /// the breaker closes and requests succeed again.
    @Test func aFrozenRedisFailsLaterRequestsAtOnce() async throws {
        let server = try await PrivateRedis.start()
        defer {
            server.thaw()
            server.stop()
        }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.requestTimeout = .seconds(60)
        configuration.breakerDeadline = .milliseconds(200)
        try await TestRedis.withClient(configuration) { redis throws in
            try await redis.set("k", to: "v")
            server.freeze()
            let first = Task { try await redis.getString("k") }
            try await withTimeout(.seconds(30), "the breaker opening") {
                while !redis.isBreakerOpen { try await Task.sleep(for: .milliseconds(20)) }
            }
            var refused = 0
            for _ in 0..<20 {
                do {
                    _ = try await redis.getString("k")
                } catch RedisClientError.unavailable {
                    refused += 1
                }
            }
            #expect(refused == 20)
            #expect(redis.isBreakerOpen)
            await #expect(throws: RedisClientError.unavailable) { try await first.value }
            server.thaw()
            try await withTimeout(.seconds(30), "the breaker closing") {
                while redis.isBreakerOpen { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(try await redis.getString("k") == "v")
        }
    }
}

