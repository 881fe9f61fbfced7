import Foundation
import Hummingbird
import MeetProtocol

/// `/v1/meetings/{code}/bans`: who a kick keeps out, and lifting it.
///
/// Owner and host only (403 `forbidden` otherwise); 410 `meeting_ended`
/// once the meeting has ended, like every other route of it. A ban is written by
/// meet-ws when a host kicks; REST join answers 403 `banned` to a banned
/// user, or to a guest from a banned address or device.
struct BanController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/bans", use: self.list)
        group.delete("{code}/bans/{banId}", use: self.remove)
    }

    /// `GET /v1/meetings/{code}/bans` → ``BanListResponse``, newest first.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<BanListResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        return JSONResponse(BanListResponse(items: try await self.deps.bans.list(meetingId: meeting.id)))
    }

    /// `DELETE /v1/meetings/{code}/bans/{banId}` → 204; 404 for an unknown or malformed id.
    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        guard let raw = context.parameters.get("banId"), let banId = UUID(uuidString: raw),
            try await self.deps.bans.remove(meetingId: meeting.id, banId: banId)
        else {
            throw APIError(.notFound, "no such ban")
        }
        return NoContent()
    }
}
