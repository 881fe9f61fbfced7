import Foundation
import MeetProtocol
import MeetRedis

/// Sends stored notifications to their users' open sockets: meet-ws
/// delivers a `notification` event to every socket of the user, on any
/// replica (docs/signaling.md, "Notifications"). A courtesy on top of the
/// list (`GET /v1/notifications`), which stays the truth: a push that is
/// lost (no socket, Redis down) is seen at the client's next poll.
protocol NotificationPush: Sendable {
    func push(_ notifications: [StoredNotification]) async throws
    /// The user's account is gone: every replica closes the user's user
    /// sockets (`/v1/ws/user`) with 4401, which would otherwise stay open
    /// until their token expires.
    func endUserSockets(of userId: UUID) async throws
}

/// Without Redis (`MEET_REDIS_URL` unset): nobody to tell; clients poll.
struct SilentNotificationPush: NotificationPush {
    func push(_ notifications: [StoredNotification]) async throws {}
    func endUserSockets(of userId: UUID) async throws {}
}

/// Publishes each notification on its user's channel (MeetProtocol's
/// ``UserChannels``, under `MEET_WS_KEY_PREFIX` as the room channels), as the
/// `notification` frame meet-ws forwards unchanged.
struct RedisNotificationPush: NotificationPush {
    let client: RedisClient
    let users: UserChannels

    init(client: RedisClient, keyPrefix: String) {
        self.client = client
        self.users = UserChannels(prefix: keyPrefix)
    }

    func push(_ notifications: [StoredNotification]) async throws {
        for item in notifications {
            try await self.publish(
                UserBusMessage(
                    userId: item.userId, sentAtMs: Self.nowMs(),
                    frame: SignalingCodec.encode(ServerEnvelope(.notification(item.notification)))))
        }
    }

    func endUserSockets(of userId: UUID) async throws {
        let error = SignalingError(.forbidden, "this account was deleted")
        try await self.publish(
            UserBusMessage(
                userId: userId, sentAtMs: Self.nowMs(), frame: SignalingCodec.encode(ServerEnvelope(.error(error))),
                endsUserSockets: true))
    }

    private func publish(_ message: UserBusMessage) async throws {
        let envelope = UserChannels.envelope(message, from: "meet-api")
        _ = try await self.client.publish(Array(try JSONEncoder().encode(envelope)), to: self.users.channel(message.userId))
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
