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
        let reply = try await bus.request("ping", BusEmpty(), to: bus.inbox, timeout: .seconds(10), as: Echo.self)
        #expect(reply.text == "pong")
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(10), "service group shutdown") { try await running.value }
        await #expect(throws: RedisClientError.shutdown) { try await client.ping() }
    }
}
