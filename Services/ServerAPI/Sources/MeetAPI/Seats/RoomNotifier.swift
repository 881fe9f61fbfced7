import Foundation
import MeetProtocol
import MeetRedis

/// Tells a meeting's meet-ws replicas that a user's membership changed
/// (``RoomBusMessage/seatChangedType`` on the room's bus channel).
protocol RoomNotifier: Sendable {
    func seatChanged(meetingId: UUID, userId: UUID) async throws
}

/// Without Redis (`MEET_REDIS_URL` unset): nobody to tell. meet-ws still
/// checks roles in PostgreSQL at every host control and every resume.
struct SilentRoomNotifier: RoomNotifier {
    func seatChanged(meetingId: UUID, userId: UUID) async throws {}
}

/// Publishes on the room channel meet-ws subscribes to: a bus `event`
/// envelope of type `ws.room-event` on `{MEET_WS_KEY_PREFIX}room:{meetingId}`,
/// exactly as a meet-ws replica would publish a room event.
struct RedisRoomNotifier: RoomNotifier {
    /// meet-ws's `MessageBusSignalingBus.roomEventType`.
    static let roomEventType = "ws.room-event"

    let client: RedisClient
    /// `MEET_WS_KEY_PREFIX`, normalized like meet-ws's `SignalingKeys` (a trailing `:`).
    let prefix: String

    init(client: RedisClient, keyPrefix: String) {
        self.client = client
        self.prefix = keyPrefix.isEmpty || keyPrefix.hasSuffix(":") ? keyPrefix : keyPrefix + ":"
    }

    func seatChanged(meetingId: UUID, userId: UUID) async throws {
        let message = RoomBusMessage.seatChanged(
            meetingId: meetingId, userId: userId, origin: "meet-api",
            sentAtMs: Int64(Date().timeIntervalSince1970 * 1000))
        let envelope = BusEnvelope(kind: .event, type: Self.roomEventType, from: "meet-api", body: message)
        let channel = self.prefix + BusChannel.room(meetingId.uuidString.lowercased())
        _ = try await self.client.publish(Array(try JSONEncoder().encode(envelope)), to: channel)
    }
}
