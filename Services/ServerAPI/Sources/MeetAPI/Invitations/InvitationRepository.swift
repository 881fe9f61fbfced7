import Foundation
import MeetProtocol

/// Invitations to meetings (`invitations`, docs/scheduling.md "Invitations").
///
/// An invitation belongs to the invitee's account. One sent to an address
/// that had no account is bound to whoever answers it with the secret of its
/// email's link (``NewInvitation/secretHash``): registering the address is
/// not enough to see, answer or use it (there is no email verification).
protocol InvitationRepository: Sendable {
    /// Creates the invitation, or re-opens a declined one (pending again,
    /// with the new role). Throws ``InvitationRepositoryError/alreadyInvited``
    /// when one is pending or accepted, ``InvitationRepositoryError/tooMany``
    /// past ``InvitationLimits/perMeeting``. `notices` composes the
    /// invitation's ``Outbox``, written in the same transaction.
    func invite(
        _ invitation: NewInvitation, notices: @escaping @Sendable (InvitationRecord) throws -> Outbox
    ) async throws -> Committed<InvitationRecord>
    func find(id: UUID) async throws -> InvitationRecord?
    /// A meeting's invitations, oldest first.
    func list(meetingId: UUID) async throws -> [InvitationRecord]
    /// The invitations bound to an account, newest first, at most `limit`.
    func list(user: UserRecord, limit: Int) async throws -> [InvitationRecord]
    /// Accepts (and makes the invitee a member with the invitation's role,
    /// in the same transaction) or declines (and removes a membership an
    /// earlier acceptance made). `nil` when the invitation is gone or not
    /// `user`'s to answer (``InvitationRecord/isAnswerable(by:secretHash:)``);
    /// an unbound one becomes `user`'s.
    func respond(id: UUID, user: UserRecord, secretHash: String?, accept: Bool) async throws -> InvitationRecord?
    /// Deletes an invitation, writing `notices` in the same transaction;
    /// false (and nothing written) when there was none.
    func revoke(id: UUID, meetingId: UUID, notices: Outbox) async throws -> Committed<Bool>
    /// The role an open (pending or accepted) invitation gives `user` in the meeting.
    func invitedRole(meetingId: UUID, user: UserRecord) async throws -> MemberRole?
}

extension InvitationRepository {
    /// ``invite(_:notices:)`` telling nobody.
    func invite(_ invitation: NewInvitation) async throws -> InvitationRecord {
        try await self.invite(invitation, notices: { _ in Outbox() }).value
    }

    /// ``revoke(id:meetingId:notices:)`` telling nobody.
    func revoke(id: UUID, meetingId: UUID) async throws -> Bool {
        try await self.revoke(id: id, meetingId: meetingId, notices: Outbox()).value
    }
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
    /// The SHA-256 (``OpaqueToken/hash(_:)``) of the secret the email's
    /// link carries, for an address without an account; `nil` otherwise.
    var secretHash: String? = nil
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
    /// ``NewInvitation/secretHash``; never shown.
    var secretHash: String? = nil

    var response: InvitationResponse {
        InvitationResponse(
            id: self.id, meetingCode: self.meetingCode, meetingTitle: self.meetingTitle, email: self.email, userId: self.userId,
            role: self.role, status: self.status, createdAt: self.createdAt, respondedAt: self.respondedAt)
    }

    /// Whether `user` is the invitee: the account it is bound to. An
    /// address's invitation is nobody's until answered with its secret.
    func isFor(_ user: UserRecord) -> Bool {
        self.isFor(user.id)
    }

    func isFor(_ userId: UUID) -> Bool {
        self.userId == userId
    }

    /// Whether `user` may answer it: its account's, or an unbound one with
    /// the secret of its link (`secretHash` is the hash of what the caller sent).
    func isAnswerable(by user: UserRecord, secretHash: String?) -> Bool {
        if self.isFor(user) { return true }
        guard self.userId == nil, let stored = self.secretHash, let secretHash else { return false }
        return stored == secretHash
    }
}
