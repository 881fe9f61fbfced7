/// The outbound half of a socket, as a session sees it (a port, so the
/// session logic does not depend on the WebSocket library).
public protocol SocketWriter: Sendable {
    func send(text: String) async throws
    /// Sends a close frame with `code` (1000–4999) and `reason`.
    func close(code: UInt16, reason: String) async throws
}

/// Close codes meet-ws uses (4000–4999 are for applications, RFC 6455 §7.4.2).
public enum CloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    /// A frame broke RFC 6455 (a continuation without a start, a new message
    /// inside a fragmented one).
    public static let protocolError: UInt16 = 1002
    /// A text message that is not valid UTF-8 (RFC 6455 §8.1).
    public static let invalidPayload: UInt16 = 1007
    /// Policy violation: the client reads too slowly and its queue of events
    /// to send passed its bound (`MEET_WS_OUTBOUND_QUEUE_*`).
    public static let tooSlow: UInt16 = 1008
    public static let tooLarge: UInt16 = 1009
    public static let kicked: UInt16 = 4001
    public static let replaced: UInt16 = 4002
    public static let denied: UInt16 = 4003
    public static let meetingEnded: UInt16 = 4004
    /// The socket sent no `join` within `MEET_WS_JOIN_TIMEOUT_SECONDS`.
    public static let joinTimeout: UInt16 = 4408
    public static let unauthorized: UInt16 = 4401
    public static let forbidden: UInt16 = 4403
    /// `join` found the meeting at its capacity (`meeting_full`).
    public static let meetingFull: UInt16 = 4009
    /// A user socket (`/v1/ws/user`) past `MEET_WS_USER_SOCKETS_PER_USER`.
    public static let tooManySockets: UInt16 = 4429
}
