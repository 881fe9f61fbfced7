import Foundation
import Testing

@testable import MeetRedis

/// Losing Redis and getting it back: a private redis-server is killed with
/// SIGKILL and restarted on the same port.
@Suite struct ReconnectIntegrationTests {
    private func configuration(for server: PrivateRedis) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.requestTimeout = .seconds(10)
        configuration.backoff = ExponentialBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        return configuration
    }

    @Test func subscriberResubscribesAfterServerRestart() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        let configuration = try configuration(for: server)
        try await TestRedis.withClientAndSubscriber(configuration) { redis, subscriber throws in
            let channel = TestRedis.unique("resub")
            let pattern = TestRedis.unique("presub") + ":*"
            let direct = try await subscriber.subscribe(to: channel)
            let patterned = try await subscriber.subscribe(toPattern: pattern)
            try await redis.publish("before", to: channel)
            #expect(try await next(1, of: direct).first?.payload == Array("before".utf8))

            server.kill()
            try await server.launch()

            // Publish until the re-subscribed connection counts as a receiver. A publish
            // may still meet the old, dead connection (connectionClosed) until the client
            // notices the kill, or find no connection yet: both just mean "not yet".
            try await withTimeout(.seconds(10), "re-subscription") {
                while (try? await redis.publish("probe", to: channel)) ?? 0 == 0 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                while (try? await redis.publish("probe", to: pattern.dropLast(2) + ":x")) ?? 0 == 0 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await redis.publish("after", to: channel)
            let received = try await withTimeout(.seconds(10), "message after restart") {
                for await message in direct where message.payload == Array("after".utf8) { return true }
                return false
            }
            #expect(received)
            let patternMessage = try await next(1, of: patterned).first
            #expect(patternMessage?.pattern == pattern)
            direct.cancel()
            patterned.cancel()
        }
    }

    @Test func clientReconnectsAndCommandsSucceedAgain() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        try await TestRedis.withClient(try configuration(for: server)) { redis throws in
            #expect(try await redis.ping() == "PONG")
            server.kill()
            // In-flight or immediate commands may fail while the server is gone...
            _ = try? await redis.send("PING", timeout: .milliseconds(100))
            try await server.launch()
            // ...and once it is back, commands succeed on a new connection.
            let pong = try await withTimeout(.seconds(10), "reconnect") {
                while true {
                    if let reply = try? await redis.ping() { return reply }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(pong == "PONG")
        }
    }

    @Test func passwordAndDatabaseFromURL() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        #expect(server.cli("CONFIG", "SET", "requirepass", "s3cret:@/") == "OK")
        server.cli("-a", "s3cret:@/", "--no-auth-warning", "ACL", "SETUSER", "meet", "on", ">pw", "~*", "&*", "+@all")

        // Password only, database 3.
        var configuration = try RedisConfiguration(url: "redis://:s3cret%3A%40%2F@127.0.0.1:\(server.port)/3")
        configuration.requestTimeout = .seconds(10)
        try await TestRedis.withClient(configuration) { redis throws in
            try await redis.set("k", to: "in-db-3")
            #expect(try await redis.send("CLIENT", "INFO").string?.contains("db=3") == true)
        }
        // ACL user and password.
        configuration = try RedisConfiguration(url: "redis://meet:pw@127.0.0.1:\(server.port)/3")
        try await TestRedis.withClient(configuration) { redis throws in
            #expect(try await redis.getString("k") == "in-db-3")
            #expect(try await redis.send("ACL", "WHOAMI").string == "meet")
        }
        // Wrong password: the connection is refused at handshake, requests fail as unavailable.
        configuration = try RedisConfiguration(url: "redis://:wrong@127.0.0.1:\(server.port)")
        configuration.requestTimeout = .seconds(60)
        try await TestRedis.withClient(configuration) { redis throws in
            await #expect(throws: RedisClientError.unavailable) { try await redis.ping() }
        }
    }
}
