import Foundation
import Logging
import MeetProtocol
import Testing

@testable import MeetBus
import MeetRedis

/// The bus endpoint's bounds (issue #13 item 6): request handlers run at
/// most `maxConcurrentRequests` at once, the rest are refused `overloaded`
/// at once.
@Suite struct BusBoundsTests {
    @Test func requestsPastTheConcurrencyBoundAreRefusedOverloaded() async throws {
        let transport = InMemoryBusTransport()
        let logger = Logger(label: "test.bus-bounds")
        let server = BusEndpoint(inbox: "bounds-server-\(UUID())", transport: transport, logger: logger, maxConcurrentRequests: 2)
        let client = BusEndpoint(inbox: "bounds-client-\(UUID())", transport: transport, logger: logger)
        let started = StartedCount()
        server.setRequestHandler { _ in
            await started.bump()
            try await Task.sleep(for: .seconds(2))
            return .empty
        }
        let tasks = [Task { try await server.run() }, Task { try await client.run() }]
        defer { tasks.forEach { $0.cancel() }; server.shutdown(); client.shutdown() }
        try await server.waitUntilReady()
        try await client.waitUntilReady()

        let held = (0..<2).map { index in
            Task { try await client.request("hold", Greeting(text: "h", number: index), to: server.inbox, timeout: .seconds(30), as: BusEmpty.self) }
        }
        while await started.value < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let outcome: String
        do {
            _ = try await client.request("hold", Greeting(text: "x", number: 3), to: server.inbox, timeout: .seconds(30), as: BusEmpty.self)
            outcome = "answered"
        } catch BusError.remote(let body) {
            outcome = body.code
        } catch {
            outcome = "\(error)"
        }
        #expect(outcome == "overloaded")
        for task in held { _ = try await task.value }
    }
}

extension BusBoundsTests {
    /// Refusals are bounded too: while the first `overloaded` answer cannot
    /// go out (its publish is held), further requests past the bound get no
    /// answer and time out, instead of each waiting in a task of its own.
    @Test func refusalsPastTheBoundAreNotQueued() async throws {
        let logger = Logger(label: "test.bus-bounds")
        let clientInbox = "bounds-client-\(UUID())"
        let transport = GatedTransport(base: InMemoryBusTransport(), gated: clientInbox)
        let server = BusEndpoint(inbox: "bounds-server-\(UUID())", transport: transport, logger: logger, maxConcurrentRequests: 1)
        let client = BusEndpoint(inbox: clientInbox, transport: transport, logger: logger)
        let started = StartedCount()
        server.setRequestHandler { _ in
            await started.bump()
            try await Task.sleep(for: .seconds(60))
            return .empty
        }
        let tasks = [Task { try await server.run() }, Task { try await client.run() }]
        defer { tasks.forEach { $0.cancel() }; server.shutdown(); client.shutdown() }
        try await server.waitUntilReady()
        try await client.waitUntilReady()

        let held = Task { _ = try? await client.request("hold", Greeting(text: "h", number: 0), to: server.inbox, timeout: .seconds(60), as: BusEmpty.self) }
        defer { held.cancel() }
        while await started.value < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let outcomes = (1...4).map { index in
            Task { () -> String in
                do {
                    _ = try await client.request("x", Greeting(text: "x", number: index), to: server.inbox, timeout: .seconds(3), as: BusEmpty.self)
                    return "answered"
                } catch BusError.remote(let body) {
                    return body.code
                } catch BusError.timeout {
                    return "timeout"
                } catch {
                    return "\(error)"
                }
            }
        }
        // Every request is on the bus, then a marker event: once the server has
        // routed the marker, it has routed (and refused or dropped) all four.
        while await transport.published(to: server.inbox) < 5 { try await Task.sleep(for: .milliseconds(10)) }
        var events = server.inboxEvents.makeAsyncIterator()
        try await client.publish("marker", Greeting(text: "m", number: 9), to: server.inbox)
        while let event = await events.next(), event.type != "marker" {}
        await transport.open()
        var results: [String] = []
        for outcome in outcomes { results.append(await outcome.value) }
        #expect(results.sorted() == ["overloaded", "timeout", "timeout", "timeout"])
    }
}

/// The in-memory transport, with publishes to one channel held until ``open()``.
private final class GatedTransport: BusTransport {
    let base: InMemoryBusTransport
    let gated: String
    private let gate = Gate()

    init(base: InMemoryBusTransport, gated: String) {
        self.base = base
        self.gated = gated
    }

    func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        await self.gate.pass(channel, held: channel == self.gated)
        return try await self.base.publish(payload, to: channel)
    }

    func subscribe(to channel: String) async throws -> BusTransportSubscription {
        try await self.base.subscribe(to: channel)
    }

    func published(to channel: String) async -> Int { await self.gate.published[channel] ?? 0 }

    func open() async { await self.gate.open() }

    private actor Gate {
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var published: [String: Int] = [:]

        func pass(_ channel: String, held: Bool) async {
            self.published[channel, default: 0] += 1
            guard held, !self.isOpen else { return }
            await withCheckedContinuation { self.waiting.append($0) }
        }

        func open() {
            self.isOpen = true
            self.waiting.forEach { $0.resume() }
            self.waiting = []
        }
    }
}

private actor StartedCount {
    var value = 0
    func bump() { self.value += 1 }
}
