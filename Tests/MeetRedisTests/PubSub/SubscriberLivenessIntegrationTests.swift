import Testing

@testable import MeetRedis

/// The subscriber's liveness against a real Redis that freezes (SIGSTOP):
/// the health check closes the silent connection, the reconnects during
/// the freeze are accepted by the kernel but never confirmed, and after the
/// thaw the subscriptions must count as live again (they stayed "not live"
/// for good when an unconfirmed connection was kept).
@Suite struct SubscriberLivenessIntegrationTests {
    @Test func liveAgainAfterAFreezeLongerThanTheHealthCheck() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.requestTimeout = .milliseconds(300)
        let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger, healthCheckInterval: .milliseconds(200))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            defer { subscriber.shutdown() }
            let subscription = try await withTimeout(.seconds(10), "subscribe") { try await subscriber.subscribe(to: "live") }
            // (The confirmation of the subscribe may come just before that of the PING after it.)
            try await withTimeout(.seconds(10), "live") {
                while !subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            server.freeze()
            defer { server.thaw() }
            try await withTimeout(.seconds(10), "the health check noticing the freeze") {
                while subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            try await Task.sleep(for: .seconds(1))  // reconnects that Redis accepts and never answers
            server.thaw()
            try await withTimeout(.seconds(10), "live again") {
                while !subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            _ = server.cli("PUBLISH", "live", "after the thaw")
            let message = try await withTimeout(.seconds(10), "a message after the thaw") { () async -> RedisMessage? in
                for await message in subscription { return message }
                return nil
            }
            #expect(message.map { String(decoding: $0.payload, as: UTF8.self) } == "after the thaw")
        }
    }
}
