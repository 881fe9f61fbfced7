import Foundation
import Testing

@testable import MeetRedis

/// What services see when Redis restarts without persistence (issue #6):
/// requests fail fast and clearly while it is down, the client comes back
/// by itself with the default backoff, and every reconnect is announced so
/// that owners of keys (presence) can re-write what the restart lost.
/// Each test restarts a private redis-server (``PrivateRedis``), never the
/// shared one.
@Suite struct RedisRestartTests {
    /// 250 ms: every connection is back within a quarter of a second of
    /// Redis answering, inside the one-second recovery goal (issue #23).
    @Test func defaultBackoffIsCappedAtAQuarterSecond() {
        var random = SystemRandomNumberGenerator()
        let backoff = ExponentialBackoff()
        for attempt in [0, 3, 5, 10, 1_000] {
            #expect(backoff.delay(attempt: attempt, using: &random) <= .milliseconds(250))
        }
        #expect(RedisConfiguration().backoff.maximum == .milliseconds(250))
    }

    @Test func requestsFailFastWhileDownAndSucceedAfterRestart() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        // Long on purpose: a request that waited for Redis instead of failing would hit it.
        configuration.requestTimeout = .seconds(60)
        try await TestRedis.withClient(configuration) { redis throws in
            try await redis.set("k", to: "before")
            server.kill()

            // The first requests may still see the lost connection; once a
            // reconnect attempt has failed, every request fails at once.
            let error = try await withTimeout(.seconds(30), "a request failing as unavailable") {
                while true {
                    do {
                        _ = try await redis.ping()
                    } catch RedisClientError.unavailable {
                        return RedisClientError.unavailable
                    } catch {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
            #expect(error == .unavailable)
            await #expect(throws: RedisClientError.unavailable) { try await redis.getString("k") }

            try await server.launch()
            let pong = try await withTimeout(.seconds(30), "reconnect with the default backoff") {
                while true {
                    if let reply = try? await redis.ping() { return reply }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(pong == "PONG")
            // No persistence: the restart lost the key.
            #expect(try await redis.getString("k") == nil)
        }
    }

    @Test func everyReconnectIsAnnounced() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.requestTimeout = .seconds(10)
        configuration.backoff = ExponentialBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        let redis = RedisClient(configuration: configuration, logger: TestRedis.logger)
        // Listening before run(), so the first connection cannot be missed.
        let events = redis.connectionEvents()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await redis.run() }
            defer { redis.shutdown() }
            try await withTimeout(.seconds(10), "the first connection event") {
                for await _ in events { return }
            }
            #expect(try await redis.ping() == "PONG")

            server.kill()
            try await server.launch()
            try await withTimeout(.seconds(30), "the reconnection event") {
                for await _ in events { return }
            }
            // Announced once the connection is usable.
            #expect(try await redis.ping() == "PONG")
        }
    }

    @Test func connectionEventsEndAtShutdown() async throws {
        let client = RedisClient(configuration: try TestRedis.configuration(), logger: TestRedis.logger)
        let events = client.connectionEvents()
        let running = Task { try await client.run() }
        let count = try await withTimeout(.seconds(10), "events ending after shutdown") {
            var count = 0
            for await _ in events {
                count += 1
                client.shutdown()
            }
            return count
        }
        try await running.value
        #expect(count == 1)
    }
}
