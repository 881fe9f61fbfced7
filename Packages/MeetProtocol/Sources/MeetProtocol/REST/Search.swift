public import Foundation

/// One account found by `GET /v1/users/search` (by name, or by an exact
/// email): what inviting it needs, and no email address (a name search
/// must not list addresses).
public struct UserSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var displayName: String

    public init(id: UUID, displayName: String) {
        self.id = id
        self.displayName = displayName
    }
}
