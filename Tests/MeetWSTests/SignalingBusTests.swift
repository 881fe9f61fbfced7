import Foundation
import Logging
import MeetBus
import MeetProtocol
import Testing
@testable import MeetWS

/// ``SignalingBus``, the typed room channels and replica inboxes over two
/// bus endpoints ("replicas") on MeetBus's in-memory transport.
@Suite struct SignalingBusTests {
    private static let logger = Logger(label: "test.signaling-bus")

    /// Two replicas' buses on one transport, endpoints running, for `body`.
    private static func withReplicas(
        _ body: @Sendable (InMemoryBusTransport, SignalingKeys, [(endpoint: BusEndpoint, bus: SignalingBus)]) async throws -> Void
    ) async throws {
        let transport = InMemoryBusTransport()
        let keys = SignalingKeys(prefix: "unit-\(UUID().uuidString.prefix(6))")
        let replicas = ["a", "b"].map { id in
            let endpoint = BusEndpoint(inbox: keys.inbox(id), transport: transport, logger: Self.logger)
            return (endpoint: endpoint, bus: SignalingBus(bus: endpoint, keys: keys, logger: Self.logger))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas { group.addTask { try await replica.endpoint.run() } }
            defer { for replica in replicas { replica.endpoint.shutdown() } }
            for replica in replicas { try await replica.endpoint.waitUntilReady() }
            try await body(transport, keys, replicas)
        }
    }

    private static func roomMessage(_ meetingId: UUID, _ text: String) -> RoomBusMessage {
        RoomBusMessage(
            meetingId: meetingId, origin: "a", sentAtMs: 1, audience: .everyone, exclude: nil, type: "chat", frame: text)
    }

    /// The next `count` messages, failing instead of hanging.
    private static func next<Element: Sendable>(_ count: Int, of subscription: SignalingSubscription<Element>) async throws -> [Element] {
        try await withThrowingTaskGroup(of: [Element]?.self) { group in
            group.addTask {
                var messages: [Element] = []
                for await message in subscription.messages {
                    messages.append(message)
                    if messages.count == count { break }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            return try #require(try await group.next() ?? nil, "no \(count) message(s) within 10 s")
        }
    }

    @Test func roomEventsReachTheRoomsSubscribersInOrderAndOthersAreSkipped() async throws {
        try await Self.withReplicas { _, keys, replicas in
            let meetingId = UUID()
            let subscription = try await replicas[1].bus.subscribe(room: meetingId)
            try await replicas[0].bus.publish(Self.roomMessage(meetingId, "1"))
            // Another type on the room channel, and a room event whose body is not one: skipped, not fatal.
            try await replicas[0].endpoint.publish("other.type", BusEmpty(), to: keys.room(meetingId))
            try await replicas[0].endpoint.publish(SignalingBus.roomEventType, BusEmpty(), to: keys.room(meetingId))
            try await replicas[0].bus.publish(Self.roomMessage(meetingId, "2"))
            // Another room's event does not arrive here.
            try await replicas[0].bus.publish(Self.roomMessage(UUID(), "elsewhere"))
            try await replicas[0].bus.publish(Self.roomMessage(meetingId, "3"))
            let messages = try await Self.next(3, of: subscription)
            #expect(messages.map(\.frame) == ["1", "2", "3"])
            subscription.cancel()
        }
    }

    @Test func cancellingARoomSubscriptionEndsItAndWithdrawsItFromTheTransport() async throws {
        try await Self.withReplicas { transport, keys, replicas in
            let meetingId = UUID()
            let subscription = try await replicas[1].bus.subscribe(room: meetingId)
            #expect(transport.subscriberCount(keys.room(meetingId)) == 1)
            let reader = Task {
                var count = 0
                for await _ in subscription.messages { count += 1 }
                return count
            }
            subscription.cancel()
            #expect(await reader.value == 0)
            #expect(transport.subscriberCount(keys.room(meetingId)) == 0)
        }
    }

    @Test func inboxMessagesReachTheHoldingReplicaAndSendSaysWhetherOneListens() async throws {
        try await Self.withReplicas { _, _, replicas in
            let inbox = try await replicas[1].bus.subscribe(inbox: "b")
            let message = InboxBusMessage(participantId: UUID(), origin: "a", sentAtMs: 1, action: .end)
            #expect(try await replicas[0].bus.send(message, toReplica: "b"))
            #expect(try await replicas[0].bus.send(message, toReplica: "nobody") == false)
            #expect(try await Self.next(1, of: inbox) == [message])
        }
    }
}
