import Foundation
import Hummingbird
import MeetCore
import MeetProtocol

/// `GET /v1/meetings/search` and `GET /v1/users/search` (docs/scheduling.md,
/// "Search"). Chat search is `GET /v1/meetings/{code}/messages?q=`
/// (``ParticipantController``), so that it has the history's readers and
/// private-message visibility.
///
/// - Meetings: the caller's only (owned, member, or invited by an open
///   invitation bound to the account), by text in the title or agenda
///   and/or a date range, newest first.
/// - Users: by part of the display name (3 characters at least), or by an
///   exact email address; both answer the same shape (a page of
///   ``UserSummary``, without addresses), so an address is never listed,
///   only confirmed to whoever already knows it. Rate-limited per account
///   (``APIConfiguration/userSearchRateLimit`` per minute; 429 with
///   `Retry-After`) to keep the directory from being crawled.
struct SearchController: Sendable {
    let deps: APIDependencies

    func addMeetingRoutes(to group: RouterGroup<APIRequestContext>) {
        // A constant segment: the router prefers it to `{code}`.
        group.get("search", use: self.meetings)
    }

    func addUserRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("search", use: self.users)
    }

    /// `GET /v1/meetings/search?q=&from=&to=&limit=&cursor=` → ``Page`` of ``MeetingResponse``.
    @Sendable func meetings(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<MeetingResponse>> {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let text = try query.get("q").map { try Validate.searchText($0, characters: SearchLimits.meetingTextCharacters) }
        let from = try query.get("from").map { try ScheduleValidation.dateTime($0, field: "from") }
        let to = try query.get("to").map { try ScheduleValidation.dateTime($0, field: "to") }
        if let from, let to, to <= from { throw APIError.validation("to", "must be after from") }
        guard text != nil || from != nil || to != nil else { throw APIError.validation("q", "or from/to is required") }
        let limit = try Validate.limit(query.get("limit"), default: SearchLimits.meetingPage.size, max: SearchLimits.meetingPage.max)
        let cursor = try Validate.idCursor(query.get("cursor"))
        let rows = try await self.deps.search.meetings(
            MeetingSearch(userId: user.id, text: text, from: from, to: to, after: cursor, limit: limit + 1))
        let page = rows.prefix(limit).map { meeting, role in meeting.response(role: role) }
        let next = rows.count > limit ? page.last?.id.uuidString.lowercased() : nil
        return JSONResponse(Page(items: Array(page), nextCursor: next))
    }

    /// `GET /v1/users/search?q=&limit=&cursor=` or `?email=` → ``Page`` of ``UserSummary``.
    @Sendable func users(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<UserSummary>> {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let limit = self.deps.configuration.userSearchRateLimit
        let decision = try await self.deps.limits.count("user-search:\(user.id)", maxAttempts: limit, window: .seconds(60))
        if case .limited(let retryAfter) = decision {
            throw AttemptLimits.tooMany(retryAfter: retryAfter) { "too many user searches, retry in \($0) s" }
        }
        switch (query.get("q"), query.get("email")) {
        case (nil, let raw?):
            let email = try Validate.email(raw)
            let found = try await self.deps.users.find(email: email)
            return JSONResponse(Page(items: found.map { [UserSummary(id: $0.id, displayName: $0.displayName)] } ?? [], nextCursor: nil))
        case (let raw?, nil):
            let text = try Validate.searchText(raw, characters: SearchLimits.nameCharacters)
            let pageSize = try Validate.limit(query.get("limit"), default: SearchLimits.userPage.size, max: SearchLimits.userPage.max)
            let cursor = try Validate.idCursor(query.get("cursor"))
            let rows = try await self.deps.search.users(named: text, after: cursor, limit: pageSize + 1)
            let page = Array(rows.prefix(pageSize))
            let next = rows.count > pageSize ? page.last?.id.uuidString.lowercased() : nil
            return JSONResponse(Page(items: page, nextCursor: next))
        default:
            throw APIError.validation("q", "or email is required (exactly one of them)")
        }
    }
}
