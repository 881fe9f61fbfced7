public import Foundation

/// A member of a meeting: a user who may join without the password.
public struct MemberResponse: Codable, Sendable, Equatable {
    public var userId: UUID
    public var email: String
    public var displayName: String
    public var role: MemberRole
    public var addedAt: Date

    public init(userId: UUID, email: String, displayName: String, role: MemberRole, addedAt: Date) {
        self.userId = userId
        self.email = email
        self.displayName = displayName
        self.role = role
        self.addedAt = addedAt
    }
}

/// `GET /v1/meetings/{code}/members`.
public struct MemberListResponse: Codable, Sendable, Equatable {
    public var items: [MemberResponse]

    public init(items: [MemberResponse]) {
        self.items = items
    }
}

/// `POST /v1/meetings/{code}/members`: name the user by `userId` or by `email`
/// (exactly one). `role` is `host` or `attendee` (default `attendee`).
public struct AddMemberRequest: Codable, Sendable, Equatable {
    public var userId: UUID?
    public var email: String?
    public var role: MemberRole?

    public init(userId: UUID? = nil, email: String? = nil, role: MemberRole? = nil) {
        self.userId = userId
        self.email = email
        self.role = role
    }
}

/// `PATCH /v1/meetings/{code}/members/{userId}`: `role` is `host` or `attendee`.
public struct UpdateMemberRequest: Codable, Sendable, Equatable {
    public var role: MemberRole

    public init(role: MemberRole) {
        self.role = role
    }
}
