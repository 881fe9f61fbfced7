import Foundation
import Logging
import MeetProtocol
import Testing

@testable import MeetRedis

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

private actor StartedCount {
    var value = 0
    func bump() { self.value += 1 }
}
