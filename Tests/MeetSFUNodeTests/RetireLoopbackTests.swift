import Logging
import MeetBus
import MeetProtocol
import MeetRTC
import Testing

import NIOConcurrencyHelpers
@testable import MeetSFUNode

/// `sfu.retire-transport` over loopback: a migrated publisher keeps feeding
/// the subscribers still on this node, then closes with reason `migrated`.
@Suite("TransportManager: retiring a migrated publisher over loopback", .serialized)
struct RetireLoopbackTests {
    static func publisherEvent(_ harness: LoopbackHarness) -> SFUTransportClosedEvent? {
        let id = harness.published.transportId
        return harness.events.withLockedValue { $0.first { $0.transportId == id } }
    }

    @Test("a retired publisher keeps forwarding until its last subscriber closes, then closes as migrated")
    func keepsForwardingUntilLastSubscriber() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        var sequence: UInt16 = 1000
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: 3)

        #expect(try await harness.manager.retire(transportId: harness.published.transportId) == 0)
        #expect(await harness.manager.isRetired(transportId: harness.published.transportId))
        // Still forwarding to bob after the retire.
        let before = try await harness.received(.video).count
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: before + 3)
        #expect(Self.publisherEvent(harness) == nil)
        // New subscribers no longer find alice here: she publishes elsewhere now.
        await #expect(throws: SFUControlError.unknownPublisher("alice")) {
            _ = try await harness.manager.createSubscriber(CreateSubscriberRequest(participantId: "carol", publisherParticipantId: "alice"))
        }

        // Bob moved too: his subscriber transport closes, and with it the retired publisher.
        #expect(try await harness.manager.close(transportId: harness.subscription.transportId) == 1)
        let event = try #require(Self.publisherEvent(harness))
        #expect(event.reason == "migrated" && event.role == .publisher && event.participantId == "alice")
        #expect(event.roomId == "room-1" && event.nodeId == "node-test")
        #expect(await harness.manager.transportCount == 0)
        #expect(await harness.manager.isRetired(transportId: harness.published.transportId) == false)
        try await harness.shutdown()
    }

    @Test("a publisher with no subscribers closes at once when retired (reply 1)")
    func closesAtOnceWithoutSubscribers() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        _ = try await harness.manager.close(transportId: harness.subscription.transportId)
        #expect(try await harness.manager.retire(transportId: harness.published.transportId) == 1)
        #expect(Self.publisherEvent(harness)?.reason == "migrated")
        #expect(await harness.manager.transportCount == 0)
        try await harness.shutdown()
    }

    @Test("the migration timeout closes a retired publisher and the subscribers it still has")
    func migrationTimeout() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio], migrationTimeout: .milliseconds(200))
        #expect(try await harness.manager.retire(transportId: harness.published.transportId) == 0)
        // Retiring again keeps the first deadline and still answers 0.
        #expect(try await harness.manager.retire(transportId: harness.published.transportId) == 0)
        try await waitUntil("the retired publisher closed on its timeout") { Self.publisherEvent(harness) != nil }
        #expect(Self.publisherEvent(harness)?.reason == "migrated")
        let subscriberId = harness.subscription.transportId
        let subscriberEvent = try #require(harness.events.withLockedValue { $0.first { $0.transportId == subscriberId } })
        #expect(subscriberEvent.reason == "publisher_closed")
        #expect(await harness.manager.transportCount == 0)
        try await harness.shutdown()
    }

    @Test("retiring an unknown id or a subscriber transport is refused")
    func refusals() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        await #expect(throws: SFUControlError.unknownTransport("nope")) {
            _ = try await harness.manager.retire(transportId: "nope")
        }
        let subscriberId = harness.subscription.transportId
        await #expect {
            _ = try await harness.manager.retire(transportId: subscriberId)
        } throws: { error in
            if case .badRequest = error as? SFUControlError { return true }
            return false
        }
        #expect(await harness.manager.transportCount == 2)
        try await harness.shutdown()
    }

    @Test("sfu.retire-transport through the bus: closed count, unknown_transport, bad_request")
    func overTheBus() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        let logger = Logger(label: "test.retire.bus")
        let transport = InMemoryBusTransport()
        let node = BusEndpoint(inbox: "sfu:node-test", transport: transport, logger: logger)
        let client = BusEndpoint(inbox: "ws:test", transport: transport, logger: logger)
        let control = ControlHandler(transports: harness.manager, logger: logger)
        node.setRequestHandler { message in try await control.handle(message) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            group.addTask { try await client.run() }
            try await node.waitUntilReady()
            try await client.waitUntilReady()
            func retire(_ id: String) async throws -> Int {
                try await client.request(
                    SFUControlType.retireTransport, RetireTransportRequest(transportId: id), to: "sfu:node-test",
                    timeout: .seconds(10), as: SFUCloseReply.self
                ).closed
            }
            func code(_ id: String) async -> String? {
                do {
                    _ = try await retire(id)
                    return nil
                } catch BusError.remote(let body) {
                    return body.code
                } catch {
                    return "\(error)"
                }
            }
            #expect(await code("nope") == SFUControlErrorCode.unknownTransport.rawValue)
            #expect(await code(harness.subscription.transportId) == SFUControlErrorCode.badRequest.rawValue)
            #expect(try await retire(harness.published.transportId) == 0)
            _ = try await harness.manager.close(transportId: harness.subscription.transportId)
            #expect(Self.publisherEvent(harness)?.reason == "migrated")
            node.shutdown()
            client.shutdown()
            group.cancelAll()
        }
        try await harness.shutdown()
    }
}
