import Foundation
import MeetProtocol

/// Invitations to meetings (`invitations`, docs/scheduling.md "Invitations").
///
/// An invitation is found by the invitee's account or, for an address that
/// had no account when invited, by the account's email: registering later
/// is enough to see and answer it.
protocol InvitationRepository: Sendable {
    /// Creates the invitation, or re-opens a declined one (pending again,
    /// with the new role). Throws ``InvitationRepositoryError/alreadyInvited``
    /// when one is pending or accepted, ``InvitationRepositoryError/tooMany``
    /// past ``InvitationLimits/perMeeting``.
    func invite(_ invitation: NewInvitation) async throws -> InvitationRecord
    func find(id: UUID) async throws -> InvitationRecord?
    /// A meeting's invitations, oldest first.
    func list(meetingId: UUID) async throws -> [InvitationRecord]
    /// The invitations of an account (by id or email), newest first, at most `limit`.
    func list(user: UserRecord, limit: Int) async throws -> [InvitationRecord]
    /// Accepts (and makes the invitee a member with the invitation's role,
    /// in the same transaction) or declines (and removes a membership an
    /// earlier acceptance made). `nil` when the invitation is gone.
    func respond(id: UUID, user: UserRecord, accept: Bool) async throws -> InvitationRecord?
    /// Deletes an invitation; false when there was none.
    func revoke(id: UUID, meetingId: UUID) async throws -> Bool
    /// The role an open (pending or accepted) invitation gives `user` in the meeting.
    func invitedRole(meetingId: UUID, user: UserRecord) async throws -> MemberRole?
}

enum InvitationRepositoryError: Error, Sendable, Equatable {
    case alreadyInvited
    case tooMany
}

enum InvitationLimits {
    static let perMeeting = 500
    static let listed = 200
}

struct NewInvitation: Sendable, Equatable {
    var meetingId: UUID
    /// Normalized (``Validate/email(_:field:)``).
    var email: String
    var userId: UUID?
    var role: MemberRole
    var invitedBy: UUID
}

/// A row of `invitations`, with its meeting's code and title.
struct InvitationRecord: Sendable, Equatable {
    var id: UUID
    var meetingId: UUID
    var meetingCode: String
    var meetingTitle: String
    var email: String
    var userId: UUID?
    var role: MemberRole
    var status: InvitationStatus
    var invitedBy: UUID?
    var createdAt: Date
    var respondedAt: Date?

    var response: InvitationResponse {
        InvitationResponse(
            id: self.id, meetingCode: self.meetingCode, meetingTitle: self.meetingTitle, email: self.email, userId: self.userId,
            role: self.role, status: self.status, createdAt: self.createdAt, respondedAt: self.respondedAt)
    }

    /// Whether `user` is the invitee (by account, or by the account's email).
    func isFor(_ user: UserRecord) -> Bool {
        self.userId == user.id || (self.userId == nil && self.email == user.email)
    }
}
