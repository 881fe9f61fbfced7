public import Foundation

/// A live participant of a meeting (`GET /v1/meetings/{code}/participants`).
public struct ParticipantResponse: Codable, Sendable, Equatable {
    public var id: UUID
    /// Absent for guests.
    public var userId: UUID?
    public var displayName: String
    public var role: MemberRole
    public var status: ParticipantStatus
    public var guest: Bool
    public var createdAt: Date
    public var joinedAt: Date?

    public init(
        id: UUID, userId: UUID?, displayName: String, role: MemberRole, status: ParticipantStatus, guest: Bool,
        createdAt: Date, joinedAt: Date?
    ) {
        self.id = id
        self.userId = userId
        self.displayName = displayName
        self.role = role
        self.status = status
        self.guest = guest
        self.createdAt = createdAt
        self.joinedAt = joinedAt
    }
}

/// `GET /v1/meetings/{code}/participants`.
public struct ParticipantListResponse: Codable, Sendable, Equatable {
    public var items: [ParticipantResponse]

    public init(items: [ParticipantResponse]) {
        self.items = items
    }
}

/// One chat message (`GET /v1/meetings/{code}/messages`), newest first.
public struct MessageResponse: Codable, Sendable, Equatable {
    public var id: String
    public var participantId: UUID?
    public var userId: UUID?
    public var displayName: String
    public var body: String
    public var createdAt: Date
    /// A private message to this participant (shown to its sender and recipient only).
    public var toParticipantId: UUID?
    /// A private message to the hosts (shown to its sender and the hosts).
    public var toHosts: Bool?
    /// The file sent with it, if any.
    public var attachment: ChatAttachment?

    public init(id: String, participantId: UUID?, userId: UUID?, displayName: String, body: String, createdAt: Date) {
        self.id = id
        self.participantId = participantId
        self.userId = userId
        self.displayName = displayName
        self.body = body
        self.createdAt = createdAt
    }
}
