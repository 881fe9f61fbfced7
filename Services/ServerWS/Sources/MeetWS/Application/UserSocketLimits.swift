public import MeetCore

/// Bounds on user sockets (`GET /v1/ws/user`, docs/signaling.md "User
/// sockets"): the sockets a signed-in page holds outside any meeting to
/// receive its user's notifications live.
public struct UserSocketLimits: Sendable, Equatable {
    /// User sockets one account may hold on one replica
    /// (`MEET_WS_USER_SOCKETS_PER_USER`): one per open tab, say; past it an
    /// upgrade is refused with 429 and the page keeps polling.
    public var perUser: Int
    /// Frames (notifications, `pong`s, `error`s) waiting to be written to one
    /// user socket; a client too slow to take them is closed with 1008 and
    /// catches up from the list when it reconnects.
    public var outboundFrames: Int
    /// The largest message a client may send on a user socket (a `ping`);
    /// a larger one closes it with 1009.
    public var maxMessageBytes: Int

    public init(perUser: Int = 5, outboundFrames: Int = 64, maxMessageBytes: Int = 1024) {
        self.perUser = max(1, perUser)
        self.outboundFrames = max(4, outboundFrames)
        self.maxMessageBytes = max(64, maxMessageBytes)
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(perUser: try environment.int("MEET_WS_USER_SOCKETS_PER_USER", default: 5, in: 1...100))
    }
}
