import Foundation
import MeetBus
import MeetProtocol
import NIOConcurrencyHelpers
import Testing
@testable import MeetWS

/// What meet-api pushes on a user's channel (a `notification`) reaches
/// every socket of that user on every replica, and nobody else's
/// (docs/signaling.md, "Notifications"); a replica holds the user's channel
/// only while it holds a socket of the user.
@Suite struct NotificationPushFlowTests {
    @Test func aNotificationReachesEverySocketOfItsUserAndNoOtherUser() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let ann = UUID()
        let bob = UUID()
        let first = UUID()
        let second = UUID()
        // Ann in two meetings, on two replicas; Bob beside her in the first; a guest too.
        let annHere = try await Self.joined(cluster, replica: 0, meetingId: first, userId: ann, name: "ann-0")
        let annThere = try await Self.joined(cluster, replica: 1, meetingId: second, userId: ann, name: "ann-1")
        let bobHere = try await Self.joined(cluster, replica: 0, meetingId: first, userId: bob, name: "bob")
        let guest = try await Self.joined(cluster, replica: 1, meetingId: first, userId: nil, name: "guest")
        let channel = cluster.keys.user(ann)
        try await Self.waitUntil { cluster.transport.subscriberCount(channel) == 2 }

        let notification = NotificationResponse(
            id: UUID(), kind: "schedule_changed", meetingCode: "abc-defg-hij", title: "Schedule changed: Sync", body: "Bob made the change.",
            createdAt: Date(timeIntervalSince1970: 1_900_000_000), readAt: nil)
        try await Self.push(notification, to: ann, cluster)
        for socket in [annHere, annThere] {
            let frame = try await socket.waitFor("notification")
            guard case .notification(let received) = frame.message else { throw ClusterError("not a notification") }
            #expect(received == notification)
        }
        // A message naming another user than its channel's is dropped; then settle and look.
        try await cluster.replicas[0].bus.bus.publish(
            UserChannels.eventType, UserBusMessage(userId: bob, sentAtMs: 0, frame: "{}"), to: channel)
        try await cluster.settle()
        #expect(!bobHere.types.contains("notification") && !guest.types.contains("notification"))
        #expect(annHere.types.filter { $0 == "notification" }.count == 1)
        // The guest's replica holds only Ann's channel; nobody subscribed for the guest.
        #expect(cluster.replicas[1].hub.userPushes.userCount == 1)

        // Ann leaves one meeting: that replica drops her channel.
        await annThere.send(.leave, id: "l")
        try await Self.waitUntil { cluster.transport.subscriberCount(channel) == 1 }
        #expect(cluster.replicas[1].hub.userPushes.userCount == 0)
    }

    /// User sockets (`/v1/ws/user`) share the user's one subscription with
    /// meeting sockets, are bounded per user, hear `live` once the channel is
    /// subscribed (at once for a later one), and are closed at shutdown.
    @Test func userSocketsAreBoundedToldWhenLiveAndClosedAtShutdown() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let relay = cluster.replicas[0].hub.userPushes
        let ann = UUID()
        let frames = NIOLockedValueBox<[String]>([])
        let lives = NIOLockedValueBox(0)
        let closes = NIOLockedValueBox<[UInt16]>([])
        func attach(_ id: UUID) -> Bool {
            relay.attachUserSocket(
                userId: ann, connectionId: id, limit: 2, sink: { message in frames.withLockedValue { $0.append(message.frame) } },
                live: { lives.withLockedValue { $0 += 1 } }, close: { code, _ in closes.withLockedValue { $0.append(code) } })
        }
        let first = UUID()
        let second = UUID()
        #expect(attach(first))
        try await Self.waitUntil { lives.withLockedValue { $0 } == 1 }
        #expect(attach(second))
        #expect(lives.withLockedValue { $0 } == 2)  // already live: told at once
        #expect(!attach(UUID()))  // the third is over the bound
        #expect(relay.userSocketCount(ann) == 2)
        #expect(cluster.transport.subscriberCount(cluster.keys.user(ann)) == 1)

        let notification = NotificationResponse(
            id: UUID(), kind: "invitation", meetingCode: "abc-defg-hij", title: "Invitation: Sync", body: "Bob invited you.",
            createdAt: Date(timeIntervalSince1970: 1_900_000_000), readAt: nil)
        try await Self.push(notification, to: ann, cluster)
        try await Self.waitUntil { frames.withLockedValue { $0.count } == 2 }
        let frame = try #require(frames.withLockedValue { $0.first })
        #expect(try SignalingCodec.decodeServer(Data(frame.utf8)).message == .notification(notification))

        relay.closeUserSockets()
        #expect(closes.withLockedValue { $0 } == [CloseCode.goingAway, CloseCode.goingAway])
        relay.detach(first)
        #expect(attach(UUID()))  // room again after one left
        relay.detach(second)
        #expect(relay.userCount == 1)
    }

    /// meet-api's word that an account was deleted closes its user sockets
    /// (4401, after the `error` frame), and only them: a meeting socket of
    /// the same user gets nothing from it (its seat is left through the room).
    @Test func aDeletedAccountsUserSocketsAreClosed() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let ann = UUID()
        let meetingId = UUID()
        let inMeeting = try await Self.joined(cluster, replica: 0, meetingId: meetingId, userId: ann, name: "ann-in-meeting")
        let relay = cluster.replicas[0].hub.userPushes
        let frames = NIOLockedValueBox<[String]>([])
        let closes = NIOLockedValueBox<[UInt16]>([])
        let live = NIOLockedValueBox(false)
        let attached = relay.attachUserSocket(
            userId: ann, connectionId: UUID(), limit: 2, sink: { message in frames.withLockedValue { $0.append(message.frame) } },
            live: { live.withLockedValue { $0 = true } }, close: { code, _ in closes.withLockedValue { $0.append(code) } })
        #expect(attached)
        try await Self.waitUntil { live.withLockedValue { $0 } }
        let error = SignalingError(.forbidden, "this account was deleted")
        let message = UserBusMessage(
            userId: ann, sentAtMs: 0, frame: SignalingCodec.encode(ServerEnvelope(.error(error))), endsUserSockets: true)
        try await cluster.replicas[1].bus.bus.publish(UserChannels.eventType, message, to: cluster.keys.user(ann))
        try await Self.waitUntil { closes.withLockedValue { $0 } == [CloseCode.unauthorized] }
        let frame = try #require(frames.withLockedValue { $0.first })
        #expect(try SignalingCodec.decodeServer(Data(frame.utf8)).message == .error(error))
        try await cluster.settle()
        #expect(!inMeeting.types.contains("error"))
    }

    private static func joined(
        _ cluster: InMemoryReplicas, replica: Int, meetingId: UUID, userId: UUID?, name: String
    ) async throws -> FakeSocket {
        let socket = await cluster.connect(replica: replica, meetingId: meetingId, name: name, userId: userId)
        await socket.send(.join, id: "j")
        try await socket.waitFor("joined")
        return socket
    }

    /// What meet-api's ``RedisNotificationPush`` publishes.
    private static func push(_ notification: NotificationResponse, to userId: UUID, _ cluster: InMemoryReplicas) async throws {
        let message = UserBusMessage(
            userId: userId, sentAtMs: 0, frame: SignalingCodec.encode(ServerEnvelope(.notification(notification))))
        try await cluster.replicas[1].bus.bus.publish(UserChannels.eventType, message, to: cluster.keys.user(userId))
    }

    private static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<1500 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ClusterError("the condition did not hold within 15 s")
    }
}
