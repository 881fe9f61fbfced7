public import Foundation

/// Where an invitation stands.
public enum InvitationStatus: String, Codable, Sendable, CaseIterable {
    case pending, accepted, declined
}

/// `POST /v1/meetings/{code}/invitations`: invite an account (`userId`) or
/// any address (`email`), exactly one; `role` is `host` or `attendee` (default).
public struct CreateInvitationRequest: Codable, Sendable, Equatable {
    public var userId: UUID?
    public var email: String?
    public var role: MemberRole?

    public init(userId: UUID? = nil, email: String? = nil, role: MemberRole? = nil) {
        self.userId = userId
        self.email = email
        self.role = role
    }
}

/// An invitation as the API shows it.
public struct InvitationResponse: Codable, Sendable, Equatable {
    public var id: UUID
    /// The meeting's code and title, so an invitee can see what it is for.
    public var meetingCode: String
    public var meetingTitle: String
    public var email: String
    /// The invitee's account, once the email belongs to one.
    public var userId: UUID?
    public var role: MemberRole
    public var status: InvitationStatus
    public var createdAt: Date
    public var respondedAt: Date?

    public init(
        id: UUID, meetingCode: String, meetingTitle: String, email: String, userId: UUID?, role: MemberRole,
        status: InvitationStatus, createdAt: Date, respondedAt: Date?
    ) {
        self.id = id
        self.meetingCode = meetingCode
        self.meetingTitle = meetingTitle
        self.email = email
        self.userId = userId
        self.role = role
        self.status = status
        self.createdAt = createdAt
        self.respondedAt = respondedAt
    }
}

/// `GET /v1/meetings/{code}/invitations`, `GET /v1/invitations`.
public struct InvitationListResponse: Codable, Sendable, Equatable {
    public var items: [InvitationResponse]

    public init(items: [InvitationResponse]) {
        self.items = items
    }
}

/// `POST /v1/invitations/{invitationId}/accept` and `/decline` (optional
/// body): `secret` is the one the invitation email's link carries. An
/// invitation sent to an address that had no account is answered only with
/// it (registering the address is not enough); an invitation of an account
/// needs none.
public struct AnswerInvitationRequest: Codable, Sendable, Equatable {
    public var secret: String?

    public init(secret: String? = nil) {
        self.secret = secret
    }
}
