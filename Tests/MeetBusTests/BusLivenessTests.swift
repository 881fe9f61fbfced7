import MeetProtocol
import NIOConcurrencyHelpers
import Testing

@testable import MeetBus
import MeetRedis

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

        func subscribe(to channel: String) async throws -> BusTransportSubscription {
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
