public import Foundation

/// The room channels of meet-ws under a deployment's key prefix
/// (`MEET_WS_KEY_PREFIX`), and the events on them: one definition for the
/// meet-ws replicas that publish and subscribe there and for meet-api,
/// which announces membership changes there.
public struct RoomChannels: Sendable, Hashable {
    /// The `type` of every `event` envelope on a room channel.
    public static let eventType = "ws.room-event"

    /// Prepended to every key and channel name; empty, or ending in `:`
    /// (a prefix given without one gets it).
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix.isEmpty || prefix.hasSuffix(":") ? prefix : prefix + ":"
    }

    /// The channel of one meeting's room (``BusChannel/room(_:)`` under the prefix).
    public func channel(_ meetingId: UUID) -> String {
        self.prefix + BusChannel.room(meetingId.uuidString.lowercased())
    }

    /// A room event as it goes on the channel, sent by `sender`.
    public static func envelope(_ message: RoomBusMessage, from sender: String) -> BusEnvelope<RoomBusMessage> {
        BusEnvelope(kind: .event, type: Self.eventType, from: sender, body: message)
    }
}
