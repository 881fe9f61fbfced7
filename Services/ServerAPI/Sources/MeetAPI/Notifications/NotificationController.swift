import Foundation
import Hummingbird
import MeetProtocol

/// `/v1/notifications`: the caller's in-app notifications (invitations,
/// schedule changes, cancellations, reminders), newest first, and marking
/// them read, and where to hear of new ones live (the user socket on
/// meet-ws, docs/signaling.md "User sockets").
struct NotificationController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get(use: self.list)
        group.get("socket", use: self.socket)
        group.post("read", use: self.readAll)
        group.post("{notificationId}/read", use: self.read)
    }

    /// `GET /v1/notifications?limit=&cursor=&unread=` → ``Page`` of ``NotificationResponse``.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<NotificationResponse>> {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let limit = try Validate.limit(query.get("limit"), default: 20, max: 100)
        let cursor = try Validate.idCursor(query.get("cursor"))
        var unreadOnly = false
        if let raw = query.get("unread") {
            guard raw == "true" || raw == "false" else { throw APIError.validation("unread", "must be true or false") }
            unreadOnly = raw == "true"
        }
        let rows = try await self.deps.notifications.list(userId: user.id, after: cursor, unreadOnly: unreadOnly, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last?.id.uuidString.lowercased() : nil
        return JSONResponse(Page(items: page, nextCursor: next))
    }

    /// `GET /v1/notifications/socket` → ``NotificationSocketResponse``: the
    /// user socket's URL, `MEET_PUBLIC_WS_URL` + `/user`.
    @Sendable func socket(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<NotificationSocketResponse> {
        _ = try context.requireUser()
        return JSONResponse(NotificationSocketResponse(wsUrl: self.deps.configuration.publicUserSocketURL))
    }

    /// `POST /v1/notifications/{notificationId}/read` → 204; 404 for another user's.
    @Sendable func read(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        guard let id = context.parameters.get("notificationId").flatMap(UUID.init(uuidString:)),
            try await self.deps.notifications.markRead(userId: user.id, id: id)
        else { throw APIError(.notFound, "no such notification") }
        return NoContent()
    }

    /// `POST /v1/notifications/read` → 204: marks every notification read.
    @Sendable func readAll(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        try await self.deps.notifications.markAllRead(userId: user.id)
        return NoContent()
    }
}
