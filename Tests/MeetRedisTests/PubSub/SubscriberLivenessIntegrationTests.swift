import Testing

@testable import MeetRedis

/// The subscriber's liveness against a real Redis that freezes (SIGSTOP):
/// the health check closes the silent connection, the reconnects during
/// the freeze are accepted by the kernel but never confirmed, and after the
/// thaw the subscriptions must count as live again (they stayed "not live"
/// for good when an unconfirmed connection was kept).
/// (Serialized: both tests run a private redis-server they freeze, with short timeouts.)
@Suite(.serialized) struct SubscriberLivenessIntegrationTests {
    @Test func liveAgainAfterAFreezeLongerThanTheHealthCheck() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.requestTimeout = .milliseconds(300)
        configuration.pubSubPingInterval = .milliseconds(200)
        configuration.pubSubPingTimeout = .milliseconds(300)
        let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            defer { subscriber.shutdown() }
            // The 300 ms request timeout bounds the subscribe too: retried, as a loaded machine may need longer.
            let subscription = try await withTimeout(.seconds(10), "subscribe") { () async throws -> RedisSubscription in
                while true {
                    do { return try await subscriber.subscribe(to: "live") } catch RedisClientError.timeout {}
                }
            }
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

    /// Issue #23: a Redis frozen (SIGSTOP) for a few seconds must be reported
    /// as a loss and, after the thaw, a restoration, with the production
    /// defaults. The subscriber used to PING every 15 s with the 5 s request
    /// timeout, so a short freeze went unnoticed: no `.lost`, no `.restored`,
    /// `isLive` true throughout, and nothing told the owners of acknowledged
    /// messages (chat replay) or the bus (requests failing at once) that what
    /// was published meanwhile never arrived.
    @Test func aShortFreezeIsReportedAsLostAndThenRestored() async throws {
        let server = try await PrivateRedis.start()
        defer { server.stop() }
        let configuration = try RedisConfiguration(url: server.url)  // the production defaults
        let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            defer { subscriber.shutdown() }
            var events = subscriber.events().makeAsyncIterator()
            let subscription = try await withTimeout(.seconds(10), "subscribe") { try await subscriber.subscribe(to: "frozen") }
            try await withTimeout(.seconds(10), "live") {
                while !subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            server.freeze()
            var thawed = false
            defer { if !thawed { server.thaw() } }
            // Noticed by the pub/sub PING, well before a 15 s health check would run.
            try await withTimeout(.seconds(10), "the frozen Redis to be reported lost") {
                while subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(await events.next() == .lost)
            server.thaw()
            thawed = true
            try await withTimeout(.seconds(10), "live again after the thaw") {
                while !subscriber.isLive { try await Task.sleep(for: .milliseconds(10)) }
            }
            let restored = await events.next()
            guard case .restored(let after) = restored else {
                Issue.record("expected .restored after the thaw, got \(String(describing: restored))")
                return
            }
            #expect(after > .zero)
            _ = server.cli("PUBLISH", "frozen", "after the thaw")
            let message = try await withTimeout(.seconds(10), "a message after the thaw") { () async -> RedisMessage? in
                for await message in subscription { return message }
                return nil
            }
            #expect(message.map { String(decoding: $0.payload, as: UTF8.self) } == "after the thaw")
        }
    }
}
