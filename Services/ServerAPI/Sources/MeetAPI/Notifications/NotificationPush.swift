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
}

/// Without Redis (`MEET_REDIS_URL` unset): nobody to tell; clients poll.
struct SilentNotificationPush: NotificationPush {
    func push(_ notifications: [StoredNotification]) async throws {}
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
            let message = UserBusMessage(
                userId: item.userId, sentAtMs: Int64(Date().timeIntervalSince1970 * 1000),
                frame: SignalingCodec.encode(ServerEnvelope(.notification(item.notification))))
            let envelope = UserChannels.envelope(message, from: "meet-api")
            _ = try await self.client.publish(Array(try JSONEncoder().encode(envelope)), to: self.users.channel(item.userId))
        }
    }
}
