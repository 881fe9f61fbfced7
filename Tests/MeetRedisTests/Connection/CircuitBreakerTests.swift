import Foundation
import Testing

@testable import MeetRedis

/// The client's circuit breaker (issue #23, finding 2): a Redis that hangs
/// makes requests fail at once, not each after the request timeout.
/// (The state machine itself, shared with PostgreSQL, is MeetCore's:
/// MeetCoreTests/Resilience/CircuitBreakerTests.)
@Suite struct CircuitBreakerTests {
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
            // A starved machine can take the 200 ms deadline on a healthy Redis too
            // (seen once in CI): the breaker opens, and this waits until it closes.
            try await Self.untilAnswered { try await redis.set("k", to: "v") }
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
            #expect(try await Self.untilAnswered { try await redis.getString("k") } == "v")
        }
    }

    /// `request`, again while the breaker refuses it (`unavailable`), for up to 30 s.
    static func untilAnswered<T: Sendable>(_ request: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await request()
            } catch RedisClientError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

