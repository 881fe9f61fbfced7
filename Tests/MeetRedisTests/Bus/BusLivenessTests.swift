import MeetProtocol
import NIOConcurrencyHelpers
import Testing

@testable import MeetRedis

/// Issue #23, finding 3: a reply published to an inbox whose pub/sub
/// connection is down or re-subscribing never arrives, and the request used
/// to wait out its whole timeout (the 5 s SFU timeout after an empty Redis
/// restart). Now it fails at once with ``BusError/unavailable``, and so do
/// requests already waiting when the connection is lost.
@Suite struct BusLivenessTests {
    /// The in-memory broker with a pub/sub link that can be cut.
    final class CuttableTransport: BusTransport {
        let base = InMemoryBusTransport()
        private let live = NIOLockedValueBox(true)
        private let listeners = NIOLockedValueBox<[AsyncStream<PubSubEvent>.Continuation]>([])

        func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
            try await self.base.publish(payload, to: channel)
        }

        func subscribe(to channel: String) async throws -> RedisSubscription {
            try await self.base.subscribe(to: channel)
        }

        var isLive: Bool { self.live.withLockedValue { $0 } }

        func events() -> AsyncStream<PubSubEvent> {
            let (stream, continuation) = AsyncStream.makeStream(of: PubSubEvent.self)
            self.listeners.withLockedValue { $0.append(continuation) }
            return stream
        }

        var listenerCount: Int { self.listeners.withLockedValue { $0.count } }

        func set(live: Bool) {
            self.live.withLockedValue { $0 = live }
            for listener in self.listeners.withLockedValue({ $0 }) { listener.yield(live ? .restored(after: .zero) : .lost) }
        }
    }

    @Test func requestsFailAtOnceWhileTheLinkIsDownAndWaitingOnesFailWhenItIsLost() async throws {
        let transport = CuttableTransport()
        let a = BusEndpoint(inbox: TestRedis.unique("a"), transport: transport, logger: TestRedis.logger)
        let b = BusEndpoint(inbox: TestRedis.unique("b"), transport: transport, logger: TestRedis.logger)
        // b holds every request without answering: a's reply slot waits.
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        b.setRequestHandler { _ in
            arrived.yield()
            try await Task.sleep(for: .seconds(60))
            return .empty
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.run() }
            group.addTask { try await b.run() }
            try await a.waitUntilReady()
            try await b.waitUntilReady()
            while transport.listenerCount < 2 { try await Task.sleep(for: .milliseconds(1)) }
            let waiting = Task {
                try await a.request("echo", Greeting(text: "x", number: 1), to: b.inbox, timeout: .seconds(60), as: Echo.self)
            }
            for await _ in arrivals { break }  // the request is out, its reply slot waits
            transport.set(live: false)
            await #expect(throws: BusError.unavailable) { _ = try await waiting.value }
            // While the link is down, nothing is even sent.
            await #expect(throws: BusError.unavailable) {
                try await a.request("echo", Greeting(text: "y", number: 2), to: b.inbox, timeout: .seconds(60), as: Echo.self)
            }
            transport.set(live: true)
            b.setRequestHandler { request in BusResponse(Echo(text: try request.decode(Greeting.self).text, from: "b")) }
            let reply = try await a.request("echo", Greeting(text: "z", number: 3), to: b.inbox, timeout: .seconds(10), as: Echo.self)
            #expect(reply.text == "z")
            a.shutdown()
            b.shutdown()
            group.cancelAll()
        }
    }
}

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
