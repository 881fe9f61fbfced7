import Foundation
import Hummingbird
import MeetCore
import MeetProtocol

/// `GET /v1/meetings/{code}/participants` and `/messages`.
///
/// Readable by the meeting's members (access token) and by its admitted
/// participants (their join token, which must be for *this* meeting: a token
/// of meeting A gets 403 on meeting B). Waiting participants see nothing.
/// Once the meeting has ended both are 410 `meeting_ended`.
struct ParticipantController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/participants", use: self.participants)
        group.get("{code}/messages", use: self.messages)
    }

    /// `GET /v1/meetings/{code}/participants` → the live participants.
    @Sendable func participants(
        _ request: Request,
        context: APIRequestContext
    ) async throws -> JSONResponse<ParticipantListResponse> {
        let meeting = try await self.authorizeReader(request, context: context)
        let live = try await self.deps.participants.listLive(meetingId: meeting.id, liveWindow: self.deps.configuration.joinTokenTTL)
        return JSONResponse(ParticipantListResponse(items: live.map(\.response)))
    }

    /// `GET /v1/meetings/{code}/messages?q=&limit=&cursor=` → chat history,
    /// newest first; with `q`, the messages holding all its words (chat
    /// search, the same readers and visibility).
    @Sendable func messages(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<MessageResponse>> {
        let meeting = try await self.authorizeReader(request, context: context)
        let query = request.uri.queryParameters
        let text = try query.get("q").map { try Validate.searchText($0) }
        let limit = try Validate.limit(query.get("limit"), default: 50, max: 200)
        var before: Int64?
        if let raw = query.get("cursor") {
            guard let parsed = Int64(raw), parsed > 0 else { throw APIError.validation("cursor", "is not a valid cursor") }
            before = parsed
        }
        let rows = try await self.deps.participants.messages(
            meetingId: meeting.id, matching: text, before: before, limit: limit + 1, viewer: try await self.viewer(of: meeting, context: context))
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { String($0.id) } : nil
        return JSONResponse(Page(items: page.map(\.response), nextCursor: next))
    }

    /// Who reads, for private messages: a join token's participant (its
    /// role as the seat has it now), or a member (its role now).
    func viewer(of meeting: MeetingRecord, context: APIRequestContext) async throws -> MessageViewer {
        if case .participant(let claims) = context.bearer {
            let participant = try await self.deps.participants.find(id: claims.participantId)
            return MessageViewer(
                participantId: claims.participantId, userId: participant?.userId, isHost: participant?.role.canManage ?? false)
        }
        let user = try context.requireUser()
        let role = try await self.deps.members.role(meetingId: meeting.id, userId: user.id)
        return MessageViewer(participantId: nil, userId: user.id, isHost: role?.canManage ?? false)
    }

    /// The meeting, if the bearer may read it. An ended meeting has no
    /// participants or chat any more: they are gone (410), not empty.
    func authorizeReader(_ request: Request, context: APIRequestContext) async throws -> MeetingRecord {
        guard context.hasBearer else { throw APIError.unauthorized }
        let meeting = try await self.deps.meeting(context)
        if case .participant(let claims) = context.bearer {
            guard claims.meetingId == meeting.id else {
                throw APIError(.forbidden, "this join token is for another meeting")
            }
            guard let participant = try await self.deps.participants.find(id: claims.participantId),
                participant.meetingId == meeting.id,
                participant.status == .joining || participant.status == .joined
            else {
                throw APIError.forbidden
            }
            try meeting.requireActive()
            return meeting
        }
        let user = try context.requireUser()
        try await self.deps.requireRole(Set(MemberRole.allCases), in: meeting, user: user)
        try meeting.requireActive()
        return meeting
    }
}
