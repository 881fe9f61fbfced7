import Foundation
import MeetProtocol
import MeetRedis

/// Tells a meeting's meet-ws replicas that a user's membership changed
/// (``RoomBusMessage/seatChangedType`` on the room's bus channel), or that
/// the meeting ended over REST (`meeting-ended` to everyone in it).
protocol RoomNotifier: Sendable {
    func seatChanged(meetingId: UUID, userId: UUID) async throws
    /// Every open socket of the meeting gets `meeting-ended` and is closed
    /// by its replica, as when a host ends it over WS.
    func meetingEnded(meetingId: UUID) async throws
}

/// Without Redis (`MEET_REDIS_URL` unset): nobody to tell. meet-ws still
/// checks roles in PostgreSQL at every host control and every resume.
struct SilentRoomNotifier: RoomNotifier {
    func seatChanged(meetingId: UUID, userId: UUID) async throws {}
    func meetingEnded(meetingId: UUID) async throws {}
}

/// Publishes on the room channel meet-ws subscribes to, with the channel
/// name and envelope meet-ws itself uses (MeetProtocol's ``RoomChannels``).
struct RedisRoomNotifier: RoomNotifier {
    let client: RedisClient
    /// Under `MEET_WS_KEY_PREFIX`.
    let rooms: RoomChannels

    init(client: RedisClient, keyPrefix: String) {
        self.client = client
        self.rooms = RoomChannels(prefix: keyPrefix)
    }

    func seatChanged(meetingId: UUID, userId: UUID) async throws {
        let message = RoomBusMessage.seatChanged(
            meetingId: meetingId, userId: userId, origin: "meet-api",
            sentAtMs: Int64(Date().timeIntervalSince1970 * 1000))
        try await self.publish(message)
    }

    func meetingEnded(meetingId: UUID) async throws {
        try await self.publish(
            RoomBusMessage.meetingEnded(meetingId: meetingId, origin: "meet-api", sentAtMs: Int64(Date().timeIntervalSince1970 * 1000)))
    }

    private func publish(_ message: RoomBusMessage) async throws {
        let envelope = RoomChannels.envelope(message, from: "meet-api")
        _ = try await self.client.publish(Array(try JSONEncoder().encode(envelope)), to: self.rooms.channel(message.meetingId))
    }
}
