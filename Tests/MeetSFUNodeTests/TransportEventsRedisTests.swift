import Foundation
import Logging
import MeetBus
import MeetProtocol
import MeetRTC
import MeetRedis
import Testing

@testable import MeetSFUNode

/// The transport-closed events through the real Redis: what a ServerWS
/// replica subscribed to `sfu:events` sees when the node closes transports.
@Suite("Transport-closed events on the Redis bus")
struct TransportEventsRedisTests {
    static func redisConfiguration() throws -> RedisConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"], !url.isEmpty else {
            Issue.record("MEET_TEST_REDIS_URL is not set: run the tests through scripts/test, or export it (e.g. redis://127.0.0.1:6379)")
            throw CancellationError()
        }
        return try RedisConfiguration(url: url)
    }

    @Test("closing a publisher publishes sfu.transport-closed for it and for its subscriber")
    func publishesOnRedis() async throws {
        let configuration = try Self.redisConfiguration()
        var logger = Logger(label: "test.sfu.events")
        logger.logLevel = .warning
        let nodeId = "node-\(UUID().uuidString.prefix(8))"
        let client = RedisClient(configuration: configuration, logger: logger)
        let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        let bus = BusEndpoint.redis(inbox: BusChannel.sfuInbox(nodeId: nodeId), client: client, subscriber: subscriber, logger: logger)
        let events = TransportEventPublisher(bus: bus, logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            group.addTask { try await subscriber.run() }
            group.addTask { try await bus.run() }
            group.addTask { await events.run() }
            defer {
                events.finish()
                bus.shutdown()
                subscriber.shutdown()
                client.shutdown()
            }
            try await bus.waitUntilReady()
            let channel = try await bus.subscribe(to: SFUEventChannel.events)

            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(
                socket: socket, configuration: LoopbackHarness.rtc, logger: logger, nodeId: nodeId, events: events.sink)
            let publisherClient = PeerConnection(role: .client, socket: socket, configuration: LoopbackHarness.rtc, delegate: nil)
            let offer = try await publisherClient.createOffer(kinds: [.audio, .video])
            let published = try await manager.createPublisher(
                CreatePublisherRequest(participantId: "alice", roomId: "room-r", offer: offer))
            let subscription = try await manager.createSubscriber(
                CreateSubscriberRequest(participantId: "bob", publisherParticipantId: "alice"))
            #expect(try await manager.close(participantId: "alice") == 2)

            let watchdog = Task {
                try await Task.sleep(for: .seconds(30))
                channel.cancel()
            }
            var received: [SFUTransportClosedEvent] = []
            for try await message in channel {
                guard message.type == SFUTransportClosedEvent.type, message.header.kind == .event else { continue }
                let event = try message.decode(SFUTransportClosedEvent.self)
                guard event.nodeId == nodeId else { continue }  // other tests may publish too
                received.append(event)
                if received.count == 2 { break }
            }
            watchdog.cancel()
            channel.cancel()
            #expect(Set(received.map(\.transportId)) == [published.transportId, subscription.transportId])
            #expect(received.first { $0.role == .publisher }?.roomId == "room-r")
            #expect(received.first { $0.role == .subscriber }?.publisherParticipantId == "alice")
            await manager.closeAll()
            try await socket.close()
            group.cancelAll()
        }
    }
}
