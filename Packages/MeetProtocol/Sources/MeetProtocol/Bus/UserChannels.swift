public import Foundation

/// One channel per user account, for what meet-api pushes to that user's
/// sockets on any meet-ws replica (docs/signaling.md, "Notifications"): a
/// replica subscribes while it holds a socket of the user, and delivers only
/// to that user's sockets.
public struct UserChannels: Sendable, Hashable {
    /// The `type` of every `event` envelope on a user channel.
    public static let eventType = "ws.user-event"

    /// Prepended to every channel name; empty, or ending in `:` (as ``RoomChannels``).
    public let prefix: String

    public init(prefix: String) {
        self.prefix = RoomChannels(prefix: prefix).prefix
    }

    /// `user:{userId}` under the prefix.
    public func channel(_ userId: UUID) -> String {
        self.prefix + "user:" + userId.uuidString.lowercased()
    }

    /// A message as it goes on the channel, sent by `sender`.
    public static func envelope(_ message: UserBusMessage, from sender: String) -> BusEnvelope<UserBusMessage> {
        BusEnvelope(kind: .event, type: Self.eventType, from: sender, body: message)
    }
}

/// A server frame for every socket of one user.
public struct UserBusMessage: Codable, Sendable, Equatable {
    /// Whose sockets: a replica drops a message whose user is not the channel's.
    public var userId: UUID
    public var sentAtMs: Int64
    /// The encoded server frame (``SignalingCodec/encode(_:)-(ServerEnvelope)``), e.g. a `notification`.
    public var frame: String
    /// The account is gone (deleted): every user socket of the user
    /// (`/v1/ws/user`) is closed with 4401 after `frame` (an `error`), as
    /// an expired token's is. Meeting sockets are not concerned: their
    /// seats are left through the meeting channels. Absent (false) on a
    /// plain push; an older replica ignores it and only delivers `frame`.
    public var endsUserSockets: Bool?

    public init(userId: UUID, sentAtMs: Int64, frame: String, endsUserSockets: Bool? = nil) {
        self.userId = userId
        self.sentAtMs = sentAtMs
        self.frame = frame
        self.endsUserSockets = endsUserSockets
    }
}
