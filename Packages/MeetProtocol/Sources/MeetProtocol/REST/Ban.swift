public import Foundation

/// One ban of a meeting: a participant a host kicked, kept out of later
/// joins. Accounts are banned by user id; guests by their client address
/// and the device id their client sent (see `docs/signaling.md`, Bans).
public struct BanResponse: Codable, Sendable, Equatable {
    public var id: UUID
    /// Set when an account was banned; nil for a guest.
    public var userId: UUID?
    /// The name the banned participant had.
    public var displayName: String
    /// True when a guest (address and device id) was banned.
    public var guest: Bool
    /// The participant id of the host who kicked, when known.
    public var bannedBy: UUID?
    public var createdAt: Date

    public init(id: UUID, userId: UUID?, displayName: String, guest: Bool, bannedBy: UUID?, createdAt: Date) {
        self.id = id
        self.userId = userId
        self.displayName = displayName
        self.guest = guest
        self.bannedBy = bannedBy
        self.createdAt = createdAt
    }
}

/// `GET /v1/meetings/{code}/bans`: newest first.
public struct BanListResponse: Codable, Sendable, Equatable {
    public var items: [BanResponse]

    public init(items: [BanResponse]) {
        self.items = items
    }
}
