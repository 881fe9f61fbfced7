public import Foundation

/// A registered account as the API shows it.
public struct UserResponse: Codable, Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var displayName: String
    public var createdAt: Date

    public init(id: UUID, email: String, displayName: String, createdAt: Date) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.createdAt = createdAt
    }
}

/// `PATCH /v1/users/me`: every field optional; absent fields are unchanged.
///
/// Changing the password needs `currentPassword` and revokes every refresh
/// token of the account (other sessions must log in again).
public struct UpdateUserRequest: Codable, Sendable, Equatable {
    public var displayName: String?
    public var password: String?
    public var currentPassword: String?

    public init(displayName: String? = nil, password: String? = nil, currentPassword: String? = nil) {
        self.displayName = displayName
        self.password = password
        self.currentPassword = currentPassword
    }
}
