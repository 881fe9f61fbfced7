/// Every error code the REST API can answer with, and the HTTP status it goes with.
///
/// Clients should switch on these codes; the set only grows. Unknown codes
/// decode as ``ErrorCode/unknown(_:)`` so an older client keeps working
/// against a newer server.
public enum ErrorCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 400: the body is not valid JSON (or not valid UTF-8).
    case malformedJSON
    /// 401: no bearer token, or it is forged, expired or of the wrong kind.
    case unauthorized
    /// 401: email/password pair does not match an account.
    case invalidCredentials
    /// 401: the refresh token is unknown, expired, rotated or revoked.
    case invalidRefreshToken
    /// 403: authenticated, but not allowed to do this.
    case forbidden
    /// 403: the meeting has a password and none, or a wrong one, was given.
    case wrongPassword
    /// 403: the owner of a meeting cannot be removed or demoted.
    case ownerProtected
    /// 403: a host removed (kicked) the caller from this meeting; a host can lift the ban.
    case banned
    /// 404: the route, meeting, member or user does not exist (or is not visible).
    case notFound
    /// 409: an account with this email exists.
    case emailTaken
    /// 409: the user is already a member of the meeting.
    case alreadyMember
    /// 409: the meeting has reached its capacity of live participants.
    case meetingFull
    /// 409: the meeting already has an active recording (one at a time).
    case recordingActive
    /// 409: the meeting has no active recording to stop.
    case notRecording
    /// 409: the meeting is end-to-end encrypted: the server cannot record
    /// media it cannot read (recording is refused rather than storing ciphertext).
    case e2eeMeeting
    /// 409: the meeting has no schedule (docs/scheduling.md); PUT one first.
    case notScheduled
    /// 405: the path exists but not with this method (see the `Allow` header).
    case methodNotAllowed
    /// 410: the meeting has ended; no new joins or changes.
    case meetingEnded
    /// 413: the request body is larger than the server accepts.
    case payloadTooLarge
    /// 415: a request body that is not `application/json`.
    case unsupportedMediaType
    /// 416: a `Range` no byte of the recording file satisfies (see `Content-Range: bytes */{size}`).
    case rangeNotSatisfiable
    /// 422: a field is missing, of the wrong type or out of range (see `field`).
    case validationFailed
    /// 429: too many attempts; retry after the `Retry-After` header's seconds.
    case rateLimited
    /// 503: the database cannot be reached right now.
    case databaseUnavailable
    /// 503: the recording store (directory or S3) cannot be reached right now.
    case storageUnavailable
    /// 500: a bug. Should never be seen.
    case internalError
    /// A code this version of the protocol does not know.
    case unknown(String)

    /// All known codes, in declaration order.
    public static let known: [ErrorCode] = [
        .malformedJSON, .unauthorized, .invalidCredentials, .invalidRefreshToken, .forbidden,
        .wrongPassword, .ownerProtected, .banned, .notFound, .methodNotAllowed, .emailTaken, .alreadyMember,
        .meetingFull, .recordingActive, .notRecording, .e2eeMeeting, .notScheduled, .meetingEnded, .payloadTooLarge, .unsupportedMediaType, .rangeNotSatisfiable, .validationFailed, .rateLimited,
        .databaseUnavailable, .storageUnavailable,
        .internalError,
    ]

    /// The wire spelling.
    public var rawValue: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .unauthorized: "unauthorized"
        case .invalidCredentials: "invalid_credentials"
        case .invalidRefreshToken: "invalid_refresh_token"
        case .forbidden: "forbidden"
        case .wrongPassword: "wrong_password"
        case .ownerProtected: "owner_protected"
        case .banned: "banned"
        case .notFound: "not_found"
        case .emailTaken: "email_taken"
        case .alreadyMember: "already_member"
        case .meetingFull: "meeting_full"
        case .recordingActive: "recording_active"
        case .notRecording: "not_recording"
        case .e2eeMeeting: "e2ee_meeting"
        case .notScheduled: "not_scheduled"
        case .methodNotAllowed: "method_not_allowed"
        case .meetingEnded: "meeting_ended"
        case .payloadTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .rangeNotSatisfiable: "range_not_satisfiable"
        case .validationFailed: "validation_failed"
        case .rateLimited: "rate_limited"
        case .databaseUnavailable: "database_unavailable"
        case .storageUnavailable: "storage_unavailable"
        case .internalError: "internal_error"
        case .unknown(let raw): raw
        }
    }

    /// The HTTP status code this error is sent with.
    public var httpStatus: Int {
        switch self {
        case .malformedJSON: 400
        case .unauthorized, .invalidCredentials, .invalidRefreshToken: 401
        case .forbidden, .wrongPassword, .ownerProtected, .banned: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .emailTaken, .alreadyMember, .meetingFull, .recordingActive, .notRecording, .e2eeMeeting, .notScheduled: 409
        case .meetingEnded: 410
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .rangeNotSatisfiable: 416
        case .validationFailed: 422
        case .rateLimited: 429
        case .databaseUnavailable, .storageUnavailable: 503
        case .internalError, .unknown: 500
        }
    }

    public init(rawValue: String) {
        self = Self.known.first { $0.rawValue == rawValue } ?? .unknown(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }

    public var description: String { self.rawValue }
}
