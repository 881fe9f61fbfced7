import Foundation
import Hummingbird
import Logging
import MeetProtocol

/// `GET /v1/users/me/export` and `DELETE /v1/users/me`: a user's rights over
/// their data (docs/operations.md, "Data rights").
///
/// Deleting needs the current password in the body, not only the access
/// token: a token taken from a browser must not be enough to destroy an
/// account. Wrong passwords count against the login limit of the account
/// (429 with `Retry-After` past it).
struct AccountController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("me/export", use: self.export)
        group.delete("me", use: self.delete)
    }

    /// `GET /v1/users/me/export` → everything stored about the caller, as
    /// one JSON document (an attachment); each list at most
    /// ``AccountExport/cap`` entries, newest first, `limits.truncated`
    /// naming the lists that were cut.
    @Sendable func export(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let raw = try await self.deps.accounts.export(userId: user.id, cap: AccountExport.cap) else { throw APIError.unauthorized }
        let json = try AccountExport.capped(raw, cap: AccountExport.cap)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"meet-export.json\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// `DELETE /v1/users/me` (``DeleteAccountRequest``) → 204. Meetings the
    /// caller owned go to their longest-standing host, or are ended and
    /// removed; chat stays under "Deleted user"; every session ends (the
    /// old access token gets 401 from then on), and so does every open
    /// WebSocket of the user's (its seats are left; its user sockets get
    /// 4401) and of the meetings removed.
    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await self.deps.body.decode(DeleteAccountRequest.self, from: request)
        try await self.deps.limits.enforce("account-delete:\(user.id)", maxAttempts: self.deps.configuration.authRateLimitPerEmail)
        guard (try? Validate.password(body.password)) != nil, try await self.deps.passwords.verify(body.password, hash: user.passwordHash)
        else {
            throw APIError(.wrongPassword, "the password is wrong")
        }
        guard let deletion = try await self.deps.accounts.delete(userId: user.id) else { throw APIError.unauthorized }
        for (meetingId, owner) in deletion.handedOver {
            await self.deps.memberships.changed(meetingId: meetingId, userId: owner)
        }
        // Close what is still open: the user's sockets in meetings that stay
        // (their seats are left now), and every socket of the meetings removed.
        for meetingId in deletion.leftSeats {
            await self.deps.memberships.changed(meetingId: meetingId, userId: user.id)
        }
        for meetingId in deletion.removed {
            await self.deps.memberships.ended(meetingId: meetingId)
        }
        // And the sockets of the home page (`/v1/ws/user`), outside any meeting.
        await self.deps.notices.endUserSockets(of: user.id)
        if !deletion.removed.isEmpty {
            // The removed meetings' files go with the next cleanup run, now (a job: not a sweep inside this request).
            do {
                try await self.deps.storage.jobs.enqueue([NewJob(kind: AttachmentCleanupJobHandler.kind, payload: Data("{}".utf8))])
            } catch {
                context.logger.warning("attachments of removed meetings left to the periodic sweep", metadata: ["error": "\(error)"])
            }
        }
        context.logger.info(
            "account deleted",
            metadata: ["user.id": "\(user.id)", "meetings.handed_over": "\(deletion.handedOver.count)", "meetings.removed": "\(deletion.removed.count)"])
        return Response(status: .noContent)
    }
}
