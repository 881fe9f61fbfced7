import Foundation
import Hummingbird
import MeetProtocol

/// `/v1/meetings/{code}/members`: who may join without the password, and as what.
///
/// Members may list; owner and host manage. The owner's membership is fixed
/// (403 `owner_protected`), and nobody is made owner through these routes.
/// A member may also remove themself (leave the meeting's member list).
///
/// Every change reaches the seats its user holds now
/// (``MembershipChanges``): `participant-updated` with the new role over
/// the socket, and the role re-checked in PostgreSQL at each host control.
struct MemberController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/members", use: self.list)
        group.post("{code}/members", use: self.add)
        group.patch("{code}/members/{userId}", use: self.update)
        group.delete("{code}/members/{userId}", use: self.remove)
    }

    /// `GET /v1/meetings/{code}/members` → ``MemberListResponse``; members only.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MemberListResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole(Set(MemberRole.allCases), in: meeting, user: user)
        try meeting.requireActive()
        let members = try await self.deps.members.list(meetingId: meeting.id)
        return JSONResponse(MemberListResponse(items: members.map(\.response)))
    }

    /// `POST /v1/meetings/{code}/members` → 201 ``MemberResponse``; 422 when
    /// the userId or email names no account.
    @Sendable func add(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MemberResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        let body = try await self.deps.body.decode(AddMemberRequest.self, from: request)
        let role = try Self.assignable(body.role ?? .attendee)

        // An identifier that names no account is a fault in the body (422
        // naming the field), not a missing resource: the meeting is there.
        let target: UserRecord?
        let field: String
        switch (body.userId, body.email) {
        case (let userId?, nil): (target, field) = (try await self.deps.users.find(id: userId), "userId")
        case (nil, let email?): (target, field) = (try await self.deps.users.find(email: try Validate.email(email)), "email")
        default: throw APIError.validation("userId", "or email is required (exactly one of them)")
        }
        guard let target else { throw APIError.validation(field, "names no account") }
        do {
            let member = try await self.deps.members.add(meetingId: meeting.id, userId: target.id, role: role)
            await self.deps.memberships.changed(meetingId: meeting.id, userId: target.id)
            return JSONResponse(status: .created, member.response)
        } catch RepositoryError.alreadyMember {
            throw APIError(.alreadyMember, "the user is already a member")
        } catch RepositoryError.userNotFound {
            throw APIError.validation(field, "names no account")
        }
    }

    /// `PATCH /v1/meetings/{code}/members/{userId}` → ``MemberResponse``.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MemberResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        let targetId = try self.targetId(context, meeting: meeting)
        let body = try await self.deps.body.decode(UpdateMemberRequest.self, from: request)
        let role = try Self.assignable(body.role)
        guard let member = try await self.deps.members.updateRole(meetingId: meeting.id, userId: targetId, role: role) else {
            throw APIError(.notFound, "no such member")
        }
        await self.deps.memberships.changed(meetingId: meeting.id, userId: targetId)
        return JSONResponse(member.response)
    }

    /// `DELETE /v1/meetings/{code}/members/{userId}` → 204.
    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        let targetId = try self.targetId(context, meeting: meeting)
        if targetId != user.id {
            try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        }
        try meeting.requireActive()
        guard try await self.deps.members.remove(meetingId: meeting.id, userId: targetId) else {
            throw APIError(.notFound, "no such member")
        }
        await self.deps.memberships.changed(meetingId: meeting.id, userId: targetId)
        return NoContent()
    }

    /// The `{userId}` parameter; 404 when malformed, 403 when it is the owner.
    private func targetId(_ context: APIRequestContext, meeting: MeetingRecord) throws -> UUID {
        guard let raw = context.parameters.get("userId"), let userId = UUID(uuidString: raw) else {
            throw APIError(.notFound, "no such member")
        }
        guard userId != meeting.ownerId else {
            throw APIError(.ownerProtected, "the owner of a meeting cannot be changed or removed")
        }
        return userId
    }

    /// Only `host` and `attendee` can be given; there is one owner, the creator.
    private static func assignable(_ role: MemberRole) throws -> MemberRole {
        guard role != .owner else { throw APIError.validation("role", "must be host or attendee") }
        return role
    }
}
