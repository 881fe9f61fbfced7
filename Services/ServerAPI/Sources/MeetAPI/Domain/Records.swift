import Foundation
import MeetProtocol

/// A row of `users`.
struct UserRecord: Sendable, Equatable {
    var id: UUID
    var email: String
    var passwordHash: String
    var displayName: String
    var createdAt: Date

    var response: UserResponse {
        UserResponse(id: self.id, email: self.email, displayName: self.displayName, createdAt: self.createdAt)
    }
}

/// A row of `meetings`.
struct MeetingRecord: Sendable, Equatable {
    var id: UUID
    var code: String
    var title: String
    var passwordHash: String?
    var waitingRoom: Bool
    var capacity: Int?
    /// End-to-end encrypted media, fixed at creation.
    var e2ee = false
    var status: MeetingStatus
    var ownerId: UUID
    var createdAt: Date
    var endedAt: Date?

    func response(role: MemberRole?) -> MeetingResponse {
        MeetingResponse(
            id: self.id, code: self.code, title: self.title, hasPassword: self.passwordHash != nil,
            waitingRoom: self.waitingRoom, capacity: self.capacity, e2ee: self.e2ee, status: self.status, ownerId: self.ownerId,
            createdAt: self.createdAt, endedAt: self.endedAt, role: role
        )
    }
}

/// A row of `members`, with the user's name and email.
struct MemberRecord: Sendable, Equatable {
    var userId: UUID
    var email: String
    var displayName: String
    var role: MemberRole
    var addedAt: Date

    var response: MemberResponse {
        MemberResponse(userId: self.userId, email: self.email, displayName: self.displayName, role: self.role, addedAt: self.addedAt)
    }
}

/// A row of `participants`.
struct ParticipantRecord: Sendable, Equatable {
    var id: UUID
    var meetingId: UUID
    var userId: UUID?
    var guestId: UUID?
    var displayName: String
    var role: MemberRole
    var status: ParticipantStatus
    var createdAt: Date
    var joinedAt: Date?

    var response: ParticipantResponse {
        ParticipantResponse(
            id: self.id, userId: self.userId, displayName: self.displayName, role: self.role, status: self.status,
            guest: self.userId == nil, createdAt: self.createdAt, joinedAt: self.joinedAt
        )
    }
}

/// A row of `messages`.
struct MessageRecord: Sendable, Equatable {
    var id: Int64
    var participantId: UUID?
    var userId: UUID?
    var displayName: String
    var body: String
    var createdAt: Date
    /// A private message: to this participant, or to the hosts.
    var toParticipantId: UUID? = nil
    var toHosts = false
    /// The file sent with it (docs/signaling.md, "File sharing").
    var attachment: ChatAttachment? = nil

    var response: MessageResponse {
        var response = MessageResponse(
            id: String(self.id), participantId: self.participantId, userId: self.userId,
            displayName: self.displayName, body: self.body, createdAt: self.createdAt
        )
        response.toParticipantId = self.toParticipantId
        response.toHosts = self.toHosts ? true : nil
        response.attachment = self.attachment
        return response
    }
}
