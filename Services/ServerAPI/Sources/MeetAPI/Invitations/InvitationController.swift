import Foundation
import Hummingbird
import Logging
import MeetAuth
import MeetProtocol

/// `/v1/meetings/{code}/invitations` (the owner and hosts invite, members
/// list) and `/v1/invitations` (the invitee lists, accepts, declines):
/// docs/scheduling.md, "Invitations".
///
/// An open invitation (pending or accepted) lets its invitee join without
/// the password (as an attendee until accepted); accepting makes them a
/// member with the invitation's role, declining removes that membership again.
///
/// An invitation by address that has no account carries a secret in its
/// email's link, and only that secret answers it (binding it to the account
/// that answers): without email verification, registering the address must
/// not be enough. An invitation of an account (by user id, or an address an
/// account had when invited) is that account's, as before.
struct InvitationController: Sendable {
    let deps: APIDependencies

    func addMeetingRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("{code}/invitations", use: self.invite)
        group.get("{code}/invitations", use: self.list)
        group.delete("{code}/invitations/{invitationId}", use: self.revoke)
    }

    func addInviteeRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get(use: self.mine)
        group.post("{invitationId}/accept", use: self.accept)
        group.post("{invitationId}/decline", use: self.decline)
    }

    /// `POST /v1/meetings/{code}/invitations` → 201 ``InvitationResponse``;
    /// owner or host. 409 `already_member` when the person is a member or
    /// already invited (a declined invitation is re-opened instead).
    @Sendable func invite(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<InvitationResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        let body = try await self.deps.body.decode(CreateInvitationRequest.self, from: request)
        let role = body.role ?? .attendee
        guard role != .owner else { throw APIError.validation("role", "must be host or attendee") }
        let (email, account) = try await self.invitee(body)
        if let account, try await self.deps.members.role(meetingId: meeting.id, userId: account.id) != nil {
            throw APIError(.alreadyMember, "the user is already a member")
        }
        let invitation: InvitationRecord
        let secret = account == nil ? OpaqueToken.generate() : nil
        let plan = try await self.deps.notices.plan(meeting, by: user, audience: false, naming: [account?.id])
        do {
            // The invitation and its notices (notification, email) commit together.
            invitation = try await self.deps.notices.pushed(
                try await self.deps.invitations.invite(
                    NewInvitation(
                        meetingId: meeting.id, email: email, userId: account?.id, role: role, invitedBy: user.id,
                        secretHash: secret.map(OpaqueToken.hash)),
                    notices: { try plan.invited($0, secret: secret) }))
        } catch InvitationRepositoryError.alreadyInvited {
            throw APIError(.alreadyMember, "this address is already invited")
        } catch InvitationRepositoryError.tooMany {
            throw APIError.validation("email", "cannot be invited: the meeting has \(InvitationLimits.perMeeting) invitations")
        }
        context.logger.info("invitation sent", metadata: ["meeting.code": "\(meeting.code)", "invitation.id": "\(invitation.id)"])
        return JSONResponse(status: .created, invitation.response)
    }

    /// `GET /v1/meetings/{code}/invitations` → ``InvitationListResponse``; members.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<InvitationListResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole(Set(MemberRole.allCases), in: meeting, user: user)
        try meeting.requireActive()
        let items = try await self.deps.invitations.list(meetingId: meeting.id)
        return JSONResponse(InvitationListResponse(items: items.map(\.response)))
    }

    /// `DELETE /v1/meetings/{code}/invitations/{invitationId}` → 204; owner
    /// or host. The invitee's calendar gets a CANCEL; a membership an
    /// acceptance made stays (remove it with the members routes).
    @Sendable func revoke(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        guard let id = context.parameters.get("invitationId").flatMap(UUID.init(uuidString:)),
            let invitation = try await self.deps.invitations.find(id: id), invitation.meetingId == meeting.id
        else { throw Self.notFound }
        let plan = try await self.deps.notices.plan(meeting, by: user, audience: false, naming: [invitation.userId])
        // The withdrawal and its calendar CANCEL commit together.
        let committed = try await self.deps.invitations.revoke(id: id, meetingId: meeting.id, notices: try plan.revoked(invitation))
        guard await self.deps.notices.pushed(committed) else { throw Self.notFound }
        return NoContent()
    }

    /// `GET /v1/invitations` → ``InvitationListResponse``: the caller's, newest first (at most 200).
    @Sendable func mine(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<InvitationListResponse> {
        let user = try context.requireUser()
        let items = try await self.deps.invitations.list(user: user, limit: InvitationLimits.listed)
        return JSONResponse(InvitationListResponse(items: items.map(\.response)))
    }

    /// `POST /v1/invitations/{invitationId}/accept` (optional ``AnswerInvitationRequest``) → ``InvitationResponse``.
    @Sendable func accept(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<InvitationResponse> {
        JSONResponse(try await self.respond(request, context, accept: true))
    }

    /// `POST /v1/invitations/{invitationId}/decline` (optional ``AnswerInvitationRequest``) → ``InvitationResponse``.
    @Sendable func decline(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<InvitationResponse> {
        JSONResponse(try await self.respond(request, context, accept: false))
    }

    // MARK: Helpers

    static let notFound = APIError(.notFound, "no such invitation")

    /// 404 for an invitation of someone else, or an unbound one without its
    /// secret (its existence is not theirs to learn), 410 once the meeting ended.
    private func respond(_ request: Request, _ context: APIRequestContext, accept: Bool) async throws -> InvitationResponse {
        let user = try context.requireUser()
        let body = try await self.deps.body.decode(AnswerInvitationRequest.self, from: request, optional: true)
        // A malformed secret is hashed like any other and matches nothing.
        let secretHash = body.secret.map(OpaqueToken.hash)
        guard let id = context.parameters.get("invitationId").flatMap(UUID.init(uuidString:)),
            let invitation = try await self.deps.invitations.find(id: id), invitation.isAnswerable(by: user, secretHash: secretHash)
        else { throw Self.notFound }
        guard let meeting = try await self.deps.meetings.find(code: invitation.meetingCode) else { throw Self.notFound }
        try meeting.requireActive()
        guard let answered = try await self.deps.invitations.respond(id: id, user: user, secretHash: secretHash, accept: accept) else { throw Self.notFound }
        await self.deps.memberships.changed(meetingId: meeting.id, userId: user.id)
        return answered.response
    }

    /// The normalized address and, when it has one, the account: exactly one of userId and email.
    private func invitee(_ body: CreateInvitationRequest) async throws -> (String, UserRecord?) {
        switch (body.userId, body.email) {
        case (let userId?, nil):
            guard let account = try await self.deps.users.find(id: userId) else {
                throw APIError.validation("userId", "names no account")
            }
            return (account.email, account)
        case (nil, let raw?):
            let email = try Validate.email(raw)
            return (email, try await self.deps.users.find(email: email))
        default:
            throw APIError.validation("userId", "or email is required (exactly one of them)")
        }
    }
}
