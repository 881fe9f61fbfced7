import Testing

@testable import MeetRedis

/// The shared fixed-window rate limiter.
@Suite struct RateLimiterAndLifecycleTests {
    @Test func limiterAllowsUpToTheLimitPerWindowAcrossReplicas() async throws {
        try await TestRedis.withClient { redis throws in
            // Two limiters on one Redis act as two replicas sharing the count.
            let replicaA = RedisRateLimiter(client: redis, keyPrefix: TestRedis.unique("rl") + ":")
            let replicaB = RedisRateLimiter(client: redis, keyPrefix: replicaA.keyPrefix)
            var allowed: [Bool] = []
            for index in 0..<7 {
                let limiter = index.isMultiple(of: 2) ? replicaA : replicaB
                allowed.append(try await limiter.attempt(key: "login:a@b.c", limit: 5, window: .seconds(60)))
            }
            #expect(allowed == [true, true, true, true, true, false, false])
            let decision = try await replicaA.check(key: "login:a@b.c", limit: 5, window: .seconds(60))
            #expect(decision.count == 8 && !decision.allowed)
            #expect(decision.retryAfter > .seconds(50) && decision.retryAfter <= .seconds(60))
            // Other keys are counted separately.
            #expect(try await replicaA.attempt(key: "login:other", limit: 5, window: .seconds(60)))
            try await replicaA.reset(key: "login:a@b.c")
            #expect(try await replicaA.attempt(key: "login:a@b.c", limit: 5, window: .seconds(60)))
        }
    }

    @Test func windowExpiresAndCountingStartsOver() async throws {
        try await TestRedis.withClient { redis throws in
            let limiter = RedisRateLimiter(client: redis, keyPrefix: TestRedis.unique("rlw") + ":")
            #expect(try await limiter.attempt(key: "k", limit: 1, window: .seconds(30)))
            #expect(try await limiter.attempt(key: "k", limit: 1, window: .seconds(30)) == false)
            // End the window early instead of waiting 30 s: the counter is just a key with a TTL.
            try await redis.expire(limiter.keyPrefix + "k", after: .milliseconds(1))
            try await withTimeout(.seconds(10), "window to expire") {
                while try await redis.exists(limiter.keyPrefix + "k") { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(try await limiter.attempt(key: "k", limit: 1, window: .seconds(30)))
            try await limiter.reset(key: "k")
        }
    }

    @Test func counterWithoutExpiryIsRepaired() async throws {
        try await TestRedis.withClient { redis throws in
            let limiter = RedisRateLimiter(client: redis, keyPrefix: TestRedis.unique("rlr") + ":")
            try await redis.set(limiter.keyPrefix + "k", to: "3")  // no TTL
            _ = try await limiter.attempt(key: "k", limit: 10, window: .seconds(30))
            let ttl = try #require(try await redis.timeToLive(limiter.keyPrefix + "k"))
            #expect(ttl <= .seconds(30))
            try await limiter.reset(key: "k")
        }
    }
}
