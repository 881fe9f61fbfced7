import Foundation
import Testing

@testable import MeetRedis

/// Commands against the real Redis from `scripts/test` (`MEET_TEST_REDIS_URL`).
@Suite struct RedisClientIntegrationTests {
    @Test func pingAndStrings() async throws {
        try await TestRedis.withClient { redis throws in
            #expect(try await redis.ping() == "PONG")
            let key = TestRedis.unique("str")
            #expect(try await redis.getString(key) == nil)
            #expect(try await redis.set(key, to: "hello"))
            #expect(try await redis.getString(key) == "hello")
            #expect(try await redis.set(key, to: "again", condition: .ifNotExists) == false)
            #expect(try await redis.getString(key) == "hello")
            #expect(try await redis.set(key, to: "xx", condition: .ifExists))
            #expect(try await redis.exists(key))
            #expect(try await redis.delete(key) == 1)
            #expect(try await redis.exists(key) == false)
            #expect(try await redis.set(key, to: "nx", condition: .ifExists) == false)
        }
    }

    @Test func binaryValuesRoundTrip() async throws {
        try await TestRedis.withClient { redis throws in
            let key = TestRedis.unique("bin")
            let value: [UInt8] = [0, 13, 10, 255, 36, 42] + Array(repeating: 7, count: 100_000)
            try await redis.set(key, to: value, expiration: .seconds(30))
            #expect(try await redis.get(key) == value)
            try await redis.delete(key)
        }
    }

    @Test func expiryAndTimeToLive() async throws {
        try await TestRedis.withClient { redis throws in
            let key = TestRedis.unique("ttl")
            try await redis.set(key, to: "v", expiration: .seconds(100))
            let ttl = try #require(try await redis.timeToLive(key))
            #expect(ttl > .seconds(90) && ttl <= .seconds(100))
            #expect(try await redis.expire(key, after: .milliseconds(1500)))
            let shorter = try #require(try await redis.timeToLive(key))
            #expect(shorter <= .milliseconds(1500))
            #expect(try await redis.expire(TestRedis.unique("missing"), after: .seconds(1)) == false)
            try await redis.set(key, to: "v")
            #expect(try await redis.timeToLive(key) == nil)
            try await redis.delete(key)
        }
    }

    @Test func countersHashesSetsAndSortedSets() async throws {
        try await TestRedis.withClient { redis throws in
            let counter = TestRedis.unique("ctr"), hash = TestRedis.unique("h")
            let set = TestRedis.unique("s"), zset = TestRedis.unique("z")
            #expect(try await redis.increment(counter) == 1)
            #expect(try await redis.increment(counter, by: 9) == 10)

            #expect(try await redis.hset(hash, ["a": "1", "b": "2"]) == 2)
            #expect(try await redis.hset(hash, [("b", "3")]) == 0)
            #expect(try await redis.hget(hash, "b") == "3")
            #expect(try await redis.hgetall(hash) == ["a": "1", "b": "3"])
            #expect(try await redis.hdel(hash, ["a", "zz"]) == 1)
            #expect(try await redis.hgetall(TestRedis.unique("none")) == [:])

            #expect(try await redis.sadd(set, ["x", "y", "x"]) == 2)
            #expect(try await redis.sismember(set, "x"))
            #expect(try await redis.srem(set, ["x"]) == 1)
            #expect(try await redis.smembers(set) == ["y"])

            #expect(try await redis.zadd(zset, [(2, "two"), (1, "one"), (3, "three")]) == 3)
            #expect(try await redis.zrange(zset, from: 0, to: -1) == ["one", "two", "three"])
            #expect(try await redis.zrem(zset, ["one"]) == 1)
            #expect(try await redis.zrange(zset, from: 0, to: 0) == ["two"])
            #expect(try await redis.delete([counter, hash, set, zset]) == 4)
        }
    }

    @Test func scanFindsEveryMatchingKey() async throws {
        try await TestRedis.withClient { redis throws in
            let prefix = TestRedis.unique("scan")
            let keys = (0..<120).map { "\(prefix):\($0)" }
            _ = try await redis.pipeline(keys.map { RedisCommand("SET", $0, "1", "PX", "60000") })
            #expect(try await redis.scanAll(match: "\(prefix):*", count: 7) == keys.sorted())
            try await redis.delete(keys)
        }
    }

    @Test func serverErrorsAreTypedAndLeaveTheConnectionUsable() async throws {
        try await TestRedis.withClient { redis throws in
            let key = TestRedis.unique("wrongtype")
            try await redis.sadd(key, ["m"])
            await #expect(throws: RedisClientError.self) { try await redis.getString(key) }
            do {
                _ = try await redis.send("NOSUCHCOMMAND")
                Issue.record("expected an error")
            } catch RedisClientError.server(let message) {
                #expect(message.hasPrefix("ERR"))
            }
            #expect(try await redis.ping() == "PONG")
            try await redis.delete(key)
        }
    }

    @Test func thousandPipelinedCommandsCompleteInOrder() async throws {
        try await TestRedis.withClient { redis throws in
            let key = TestRedis.unique("pipe")
            let replies = try await redis.pipeline(Array(repeating: RedisCommand("INCR", key), count: 1000))
            #expect(replies == (1...1000).map { RESPValue.integer(Int64($0)) })
            try await redis.delete(key)
        }
    }

    @Test func thousandConcurrentCallersEachGetTheirOwnReply() async throws {
        try await TestRedis.withClient { redis throws in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<1000 {
                    group.addTask { try await redis.send("ECHO", "m\(index)").string == "m\(index)" }
                }
                var correct = 0
                for try await ok in group where ok { correct += 1 }
                #expect(correct == 1000)
            }
        }
    }

    /// On a private server: the busy script holds its server for 300 ms, and
    /// on the shared one every other test's client in flight meanwhile saw
    /// Redis not answering (its breaker opened on a loaded machine).
    @Test func slowCommandTimesOutWithATypedError() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        try await TestRedis.withClient(try RedisConfiguration(url: server.url)) { redis throws in
            // A script that keeps the server busy for ~300 ms; the request allows 50 ms.
            let busy = "local t = redis.call('TIME'); local s = t[1]*1000000+t[2]; repeat local n = redis.call('TIME') until n[1]*1000000+n[2] - s > 300000; return 1"
            do {
                _ = try await redis.send(RedisCommand("EVAL", busy, "0"), timeout: .milliseconds(50))
                Issue.record("expected a timeout")
            } catch RedisClientError.timeout(let command) {
                #expect(command == "EVAL")
            }
            // The late reply is dropped; the next command gets its own reply.
            #expect(try await redis.send("ECHO", "after").string == "after")
        }
    }

    @Test func scriptsRunBySHAAndLoadOnFirstUse() async throws {
        try await TestRedis.withClient { redis throws in
            let script = RedisScript("return {KEYS[1], ARGV[1], '\(UUID().uuidString)'}")
            let first = try await redis.evaluate(script, keys: ["k"], arguments: ["a"])
            let second = try await redis.evaluate(script, keys: ["k"], arguments: ["b"])
            #expect(first.array?.prefix(2).map(\.string) == ["k", "a"])
            #expect(second.array?.prefix(2).map(\.string) == ["k", "b"])
            let known = try await redis.send(RedisCommand("SCRIPT", "EXISTS", script.sha1))
            #expect(known == .array([.integer(1)]))
        }
    }

    @Test func commandsWaitForTheFirstConnection() async throws {
        // Commands issued before run() has connected are queued, not failed.
        let configuration = try TestRedis.configuration()
        let client = RedisClient(configuration: configuration, logger: TestRedis.logger)
        let early = Task { try await client.ping() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            let pong = try await early.value
            #expect(pong == "PONG")
            client.shutdown()
        }
        await #expect(throws: RedisClientError.shutdown) { try await client.ping() }
    }

    @Test func unreachableServerFailsRequestsAsUnavailable() async throws {
        var configuration = try TestRedis.configuration()
        configuration.port = 1  // nothing listens there
        // Long on purpose: the request must fail because the connect failed, not by timing out.
        configuration.requestTimeout = .seconds(60)
        try await TestRedis.withClient(configuration) { redis throws in
            await #expect(throws: RedisClientError.unavailable) { try await redis.ping() }
            await #expect(throws: RedisClientError.unavailable) { try await redis.ping() }
        }
    }
}
