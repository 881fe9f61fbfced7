import Logging
import MeetProtocol
import Testing
@_exported import MeetRedisTestSupport

@testable import MeetBus
import MeetRedis

/// Which transport a bus test runs over: the same tests run in memory and
/// against the real Redis.
enum BusKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory, redis
    var testDescription: String { rawValue }
}

/// Starts `count` bus endpoints, each a separate "process" (for Redis: its
/// own client and subscriber connections), runs `body`, and shuts them down.
func withBuses(
    _ kind: BusKind, count: Int = 2,
    _ body: @Sendable ([BusEndpoint]) async throws -> Void
) async throws {
    let inboxes = (0..<count).map { TestRedis.unique("ws-\($0)") }
    switch kind {
    case .inMemory:
        let transport = InMemoryBusTransport()
        let buses = inboxes.map { BusEndpoint(inbox: $0, transport: transport, logger: TestRedis.logger) }
        try await run(buses, services: [], body)
    case .redis:
        let configuration = try TestRedis.configuration()
        var services: [any Runnable] = []
        var buses: [BusEndpoint] = []
        for inbox in inboxes {
            let client = RedisClient(configuration: configuration, logger: TestRedis.logger)
            let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger)
            services += [client, subscriber]
            buses.append(.redis(inbox: inbox, client: client, subscriber: subscriber, logger: TestRedis.logger))
        }
        try await run(buses, services: services, body)
    }
}

/// Something with `run()` and `shutdown()`: the Redis client, subscriber, bus.
protocol Runnable: Sendable {
    func run() async throws
    func shutdown()
}

extension RedisClient: Runnable {}
extension RedisSubscriber: Runnable {}
extension BusEndpoint: Runnable {}

private func run(
    _ buses: [BusEndpoint], services: [any Runnable],
    _ body: @Sendable ([BusEndpoint]) async throws -> Void
) async throws {
    let all: [any Runnable] = services + buses
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in all { group.addTask { try await service.run() } }
        defer { for service in all.reversed() { service.shutdown() } }
        for bus in buses { try await bus.waitUntilReady() }
        try await body(buses)
    }
}

/// Bodies used by the bus tests.
struct Greeting: Codable, Sendable, Equatable {
    var text: String
    var number: Int
}

struct Echo: Codable, Sendable, Equatable {
    var text: String
    var from: String
}
