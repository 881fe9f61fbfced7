import Logging
import MeetProtocol
import ServiceLifecycle
import Testing

@testable import MeetBus
@testable import MeetRedis

/// The Redis services and the bus endpoint in one ServiceGroup.
@Suite struct BusLifecycleTests {
    @Test func clientSubscriberAndBusRunInAServiceGroupAndStopGracefully() async throws {
        let configuration = try TestRedis.configuration()
        let logger = TestRedis.logger
        let client = RedisClient(configuration: configuration, logger: logger)
        let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        let bus = BusEndpoint.redis(inbox: TestRedis.unique("svc"), client: client, subscriber: subscriber, logger: logger)
        bus.setRequestHandler { _ in BusResponse(Echo(text: "pong", from: "svc")) }
        let group = ServiceGroup(services: [client, subscriber, bus], logger: logger)

        let running = Task { try await group.run() }
        // Generous waits: this suite runs while every other suite starts up
        // on the same two cores, and a 10 s budget for subscribing and the
        // round trip together ran out there (in the full run only).
        try await bus.waitUntilReady(timeout: .seconds(60))
        let reply = try await bus.request("ping", BusEmpty(), to: bus.inbox, timeout: .seconds(30), as: Echo.self)
        #expect(reply.text == "pong")
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(10), "service group shutdown") { try await running.value }
        await #expect(throws: RedisClientError.shutdown) { try await client.ping() }
    }
}
