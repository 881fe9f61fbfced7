/// The `code` of an `error` frame. Stable, snake_case; the set only grows,
/// so clients must treat unknown codes as generic failures.
public enum SignalingErrorCode: String, Codable, Sendable, CaseIterable {
    /// The frame is not a JSON object with a string `type`.
    case malformedJSON = "malformed_json"
    /// `type` names no client message this server knows.
    case unknownType = "unknown_type"
    /// `data` is missing a field, has a wrong type or a value out of range.
    case invalidData = "invalid_data"
    /// A message over the size limit; the socket is then closed (1009).
    case payloadTooLarge = "payload_too_large"
    /// More messages than the per-socket rate allows; this one was dropped.
    case rateLimited = "rate_limited"
    /// The sender's role does not allow this (host controls by an attendee).
    case forbidden
    /// The target participant is not in this room (or not connected).
    case notFound = "not_found"
    /// Send `join` first.
    case notJoined = "not_joined"
    /// Still in the waiting room: only `ping` and `leave` are allowed.
    case waiting
    /// `join` twice on one socket.
    case alreadyJoined = "already_joined"
    /// Not supported by this server (no longer sent by this version; kept so
    /// older clients' code tables stay valid).
    case notSupported = "not_supported"
    /// No SFU node can take the request: none is serving, or the node did
    /// not answer in time. Retry later.
    case sfuUnavailable = "sfu_unavailable"
    /// The SFU node could not parse or negotiate the SDP (the message says why).
    case badSDP = "bad_sdp"
    /// A well-formed request that cannot be honoured as asked (a placement
    /// hint naming no serving node, a request the node refused as malformed).
    case badRequest = "bad_request"
    /// The meeting has ended.
    case meetingEnded = "meeting_ended"
    /// `join`: the meeting is at its capacity of live participants (owners
    /// and hosts always get a seat); the socket is closed (4009).
    case meetingFull = "meeting_full"
    /// An end-to-end encrypted meeting: `publish` and `subscribe` must say
    /// `e2ee: true` (the client encrypts and decrypts media itself).
    case e2eeRequired = "e2ee_required"
    /// `record-start` in an end-to-end encrypted meeting: the server cannot
    /// record media it cannot read.
    case e2eeMeeting = "e2ee_meeting"
    /// `record-start`: the meeting is already being recorded (one active
    /// recording per meeting, whichever replica or the REST API started it).
    case recordingActive = "recording_active"
    /// `record-stop`: the meeting is not being recorded.
    case notRecording = "not_recording"
    /// `whiteboard-op`: the board holds as many ops or bytes as it may
    /// (`MEET_WS_WHITEBOARD_MAX_OPS`, `MEET_WS_WHITEBOARD_MAX_BYTES`); a host clears it.
    case whiteboardFull = "whiteboard_full"
    /// Redis or PostgreSQL could not be reached; retry.
    case unavailable
    /// A bug on the server.
    case internalError = "internal_error"
}

/// The `data` of an `error` frame.
public struct SignalingError: Codable, Sendable, Equatable, Error {
    public var code: SignalingErrorCode
    public var message: String

    public init(_ code: SignalingErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
