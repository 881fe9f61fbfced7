public import Foundation

/// `POST /v1/meetings/{code}/join`.
///
/// With a bearer token the caller joins as themself; without one they join
/// as a guest and `displayName` is required. `password` is needed when the
/// meeting has one, unless the caller is a member.
public struct JoinRequest: Codable, Sendable, Equatable {
    public var password: String?
    public var displayName: String?
    /// A random id the client keeps (the web client in `localStorage`),
    /// 8 to 64 characters of `A-Z a-z 0-9 - _`. A kick bans a guest by it
    /// and by the guest's address (see `docs/signaling.md`, Bans).
    public var deviceId: String?

    public init(password: String? = nil, displayName: String? = nil, deviceId: String? = nil) {
        self.password = password
        self.displayName = displayName
        self.deviceId = deviceId
    }
}

/// The participant a join created, as far as the joiner needs to know.
public struct JoinedParticipant: Codable, Sendable, Equatable {
    public var id: UUID
    public var role: MemberRole
    /// `joining`, or `waiting` when held in the waiting room.
    public var status: ParticipantStatus

    public init(id: UUID, role: MemberRole, status: ParticipantStatus) {
        self.id = id
        self.role = role
        self.status = status
    }
}

/// Answer to a join: present `joinToken` to the signaling server at `wsUrl`.
public struct JoinResponse: Codable, Sendable, Equatable {
    public var participant: JoinedParticipant
    /// Short-lived JWT bound to this meeting, participant and role.
    public var joinToken: String
    public var joinTokenExpiresAt: Date
    public var wsUrl: String
    public var meeting: MeetingResponse

    public init(
        participant: JoinedParticipant, joinToken: String, joinTokenExpiresAt: Date, wsUrl: String,
        meeting: MeetingResponse
    ) {
        self.participant = participant
        self.joinToken = joinToken
        self.joinTokenExpiresAt = joinTokenExpiresAt
        self.wsUrl = wsUrl
        self.meeting = meeting
    }
}

/// What a verified join token says. ServerWS trusts these facts for the
/// lifetime of the token and nothing else.
public struct JoinTokenClaims: Codable, Sendable, Equatable {
    public var meetingId: UUID
    public var meetingCode: String
    public var participantId: UUID
    public var role: MemberRole
    /// The status the participant had when the token was issued.
    public var status: ParticipantStatus
    /// Set for registered users.
    public var userId: UUID?
    /// Set for guests (no account): the minted guest identity.
    public var guestId: UUID?
    public var displayName: String
    public var issuedAt: Date
    public var expiresAt: Date
    /// The meeting is end-to-end encrypted (fixed at its creation, so the
    /// token's word is the current one): publish and subscribe must say
    /// `e2ee: true`.
    public var e2ee: Bool
    /// Set only for a recorder's seat (docs/dev/recording.md, "The recorder as
    /// a hidden subscriber"): the recording it records. Such a seat has no
    /// `participants` row; the recording being active is its standing.
    public var recordingId: UUID?

    public init(
        meetingId: UUID, meetingCode: String, participantId: UUID, role: MemberRole, status: ParticipantStatus,
        userId: UUID?, guestId: UUID?, displayName: String, issuedAt: Date, expiresAt: Date, e2ee: Bool = false,
        recordingId: UUID? = nil
    ) {
        self.e2ee = e2ee
        self.meetingId = meetingId
        self.meetingCode = meetingCode
        self.participantId = participantId
        self.role = role
        self.status = status
        self.userId = userId
        self.guestId = guestId
        self.displayName = displayName
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.recordingId = recordingId
    }

    /// True for guests without an account.
    public var isGuest: Bool { self.userId == nil }

    /// The claims of the recorder seat of `recordingId` (docs/dev/recording.md,
    /// "The recorder as a hidden subscriber"): its participant id is the
    /// recording's, so a recorder that reconnects, or takes the job over,
    /// replaces the seat instead of adding one. Whoever starts the recording
    /// (meet-api or meet-ws) signs them as a recorder token.
    public static func recorderSeat(recordingId: UUID, meetingId: UUID, meetingCode: String) -> JoinTokenClaims {
        JoinTokenClaims(
            meetingId: meetingId, meetingCode: meetingCode, participantId: recordingId, role: .attendee, status: .joined,
            userId: nil, guestId: nil, displayName: "Recorder", issuedAt: Date(), expiresAt: Date(), recordingId: recordingId)
    }
}
