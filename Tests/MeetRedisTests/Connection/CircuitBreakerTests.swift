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
        let earlyOpens = breaker.unanswered(sentAt: self.t0, now: self.t0 + .milliseconds(499))
        #expect(!earlyOpens)
        let opens = breaker.unanswered(sentAt: self.t0, now: self.t0 + .milliseconds(500))
        #expect(opens)
        #expect(breaker.state == .open(since: self.t0 + .milliseconds(500)))
        #expect(breaker.admit() == .reject)
        // A second stalled command does not open it again (one "opened" per outage).
        let opensAgain = breaker.unanswered(sentAt: self.t0 + .milliseconds(100), now: self.t0 + .milliseconds(600))
        #expect(!opensAgain)
    }

    @Test func aSlowCommandWhileRedisAnswersOthersDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(500))
        // Something was answered after the command was sent: Redis is making progress.
        let closedFor = breaker.replied(now: self.t0 + .milliseconds(200))
        #expect(closedFor == nil)
        let slowOpens = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(1))
        #expect(!slowOpens)
        #expect(breaker.admit() == .send)
        // A reply from before the command was sent proves nothing about it.
        let staleReplyOpens = breaker.unanswered(sentAt: self.t0 + .milliseconds(300), now: self.t0 + .seconds(1))
        #expect(staleReplyOpens)
    }

    @Test func oneProbeAtATimeAndTheFirstAnswerClosesIt() {
        var breaker = Breaker(deadline: .milliseconds(500))
        let probesWhileClosed = breaker.startProbe()
        #expect(!probesWhileClosed)  // closed: nothing to probe
        let opens = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(1))
        #expect(opens)
        let probes = breaker.startProbe()
        #expect(probes)
        let probesTwice = breaker.startProbe()
        #expect(!probesTwice)  // one on its way already
        let probesAgain = breaker.probeFailed()
        #expect(probesAgain)  // still open: probe again
        let probesNext = breaker.startProbe()
        #expect(probesNext)
        // Any answer (the probe's, or a command's sent before the stall) closes it.
        let openFor = breaker.replied(now: self.t0 + .seconds(3))
        #expect(openFor == .seconds(2))
        #expect(breaker.state == .closed)
        #expect(breaker.admit() == .send)
        #expect(!breaker.isProbing)
        let probesAfterClosing = breaker.probeFailed()
        #expect(!probesAfterClosing)  // a late probe failure after closing starts nothing
    }

    @Test func aLostConnectionForgetsItsReplies() {
        var breaker = Breaker(deadline: .milliseconds(500))
        _ = breaker.replied(now: self.t0 + .seconds(1))
        breaker.connectionLost()
        #expect(breaker.lastReplyAt == nil)
        let opens = breaker.unanswered(sentAt: self.t0, now: self.t0 + .seconds(2))
        #expect(opens)
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

