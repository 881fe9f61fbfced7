import Foundation
import Hummingbird
import Logging
import MeetAuth
import MeetCore
import MeetProtocol

/// `POST /v1/meetings/{code}/join`: the gate between REST and signaling.
///
/// Decides who may enter and how: members enter directly with their role,
/// without the password; signed-in non-members and guests need the password
/// when there is one and wait in the waiting room when it is on. The answer
/// is a participant row plus a short-lived join token for ServerWS.
/// Owners and hosts are never refused `meeting_full`: a meeting filled by
/// others must not lock out the people who run it.
struct JoinController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("{code}/join", use: self.join)
    }

    @Sendable func join(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<JoinResponse> {
        let user = try context.optionalUser()
        let meeting = try await self.deps.activeMeeting(context)
        let body = try await self.deps.body.decode(JoinRequest.self, from: request, optional: true)

        let displayName: String
        if let name = body.displayName {
            displayName = try Validate.displayName(name)
        } else if let user {
            displayName = user.displayName
        } else {
            throw APIError.validation("displayName", "is required to join as a guest")
        }
        if user == nil { try await self.limitGuestJoin(meeting: meeting, request: request, context: context) }

        var memberRole: MemberRole?
        if let user {
            memberRole = try await self.deps.members.role(meetingId: meeting.id, userId: user.id)
            // An open invitation admits without the password, as an attendee until accepted (then it is a
            // membership); meet-ws still seats a pending invitee in the waiting room, if the meeting has one, and
            // checks host powers against members (docs/scheduling.md).
            if memberRole == nil, try await self.deps.invitations.invitedRole(meetingId: meeting.id, user: user) != nil {
                memberRole = .attendee
            }
        }
        // MARK: bans (a kick sticks: docs/signaling.md, Bans)
        let origin = JoinOrigin(address: context.clientAddress, deviceId: try JoinOrigin.validDeviceId(body.deviceId))
        if memberRole != .owner, try await self.deps.bans.isBanned(meetingId: meeting.id, userId: user?.id, origin: origin) {
            throw APIError(.banned, "a host removed you from this meeting")
        }
        // MARK: end of bans
        if memberRole == nil, let passwordHash = meeting.passwordHash {
            try await self.checkPassword(body.password, hash: passwordHash, meeting: meeting, request: request, context: context)
        }
        let status: ParticipantStatus = (memberRole == nil && meeting.waitingRoom) ? .waiting : .joining
        let participant = NewParticipant(
            id: UUID(), meetingId: meeting.id, userId: user?.id, guestId: user == nil ? UUID() : nil,
            displayName: displayName, role: memberRole ?? .attendee, status: status, origin: origin
        )

        switch try await self.deps.participants.admit(participant, liveWindow: self.deps.configuration.joinTokenTTL) {
        case .admitted(let record):
            let signed = try await self.deps.tokens.makeJoinToken(
                JoinTokenClaims(
                    meetingId: meeting.id, meetingCode: meeting.code, participantId: record.id, role: record.role,
                    status: record.status, userId: record.userId, guestId: participant.guestId,
                    displayName: record.displayName, issuedAt: Date(), expiresAt: Date(), e2ee: meeting.e2ee
                )
            )
            context.logger.info(
                "participant admitted",
                metadata: ["meeting.code": "\(meeting.code)", "participant.id": "\(record.id)", "status": "\(record.status)"]
            )
            return JSONResponse(
                JoinResponse(
                    participant: JoinedParticipant(id: record.id, role: record.role, status: record.status),
                    joinToken: signed.token,
                    joinTokenExpiresAt: signed.claims.expiresAt,
                    wsUrl: self.deps.configuration.publicWebSocketURL,
                    meeting: meeting.response(role: memberRole)
                )
            )
        case .full:
            throw APIError(.meetingFull, "the meeting is at its capacity of \(meeting.capacity ?? 0) participants")
        case .ended:
            throw APIError.meetingEnded
        case .notFound:
            throw APIError.meetingNotFound
        }
    }

    /// Anonymous joins are counted per meeting and per client address; past
    /// either limit the join gets 429 `rate_limited` with `Retry-After`, so
    /// bots cannot fill a meeting's seats or waiting room faster than a
    /// host can deal with them. Signed-in users are not counted here.
    private func limitGuestJoin(meeting: MeetingRecord, request: Request, context: APIRequestContext) async throws {
        let configuration = self.deps.configuration
        let address = context.clientAddress
        try await self.deps.limits.enforce("guest-join:addr:\(address)", maxAttempts: configuration.guestJoinRateLimitPerAddress)
        try await self.deps.limits.enforce(
            "guest-join:meeting:\(meeting.code)", maxAttempts: configuration.guestJoinRateLimitPerMeeting)
    }

    /// 403 `wrong_password` for a missing or wrong password. Attempts are
    /// rate limited per meeting and client address against guessing.
    private func checkPassword(
        _ password: String?,
        hash: String,
        meeting: MeetingRecord,
        request: Request,
        context: APIRequestContext
    ) async throws {
        guard let password else { throw APIError(.wrongPassword, "this meeting requires a password") }
        let address = context.clientAddress
        try await self.deps.limits.enforce(
            "join:\(meeting.code):addr:\(address)", maxAttempts: self.deps.configuration.authRateLimitPerAddress
        )
        guard (try? Validate.password(password)) != nil, try await self.deps.passwords.verify(password, hash: hash) else {
            throw APIError(.wrongPassword, "the meeting password is wrong")
        }
    }
}
