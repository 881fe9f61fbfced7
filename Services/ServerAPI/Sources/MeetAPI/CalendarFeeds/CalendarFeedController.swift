import Foundation
import Hummingbird
import MeetMail
import MeetProtocol

/// A secret ICS URL per user that any calendar can subscribe to
/// (docs/scheduling.md, "Calendar feed"): `POST /v1/users/me/calendar-feed`
/// makes (or rotates) it, `DELETE` revokes it, and
/// `GET /v1/calendar-feeds/{token}` serves the calendar without a bearer
/// token: the 256-bit secret in the path is the credential, stored hashed.
struct CalendarFeedController: Sendable {
    let deps: APIDependencies
    /// Series in the feed: those with an occurrence from 30 days back to 5 years ahead.
    static let past: TimeInterval = 30 * 86_400
    static let ahead: TimeInterval = 5 * 366 * 86_400

    func addAccountRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("me/calendar-feed", use: self.rotate)
        group.delete("me/calendar-feed", use: self.revoke)
    }

    func addFeedRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{token}", use: self.feed)
    }

    /// → 201 ``CalendarFeedResponse``; a new secret each time, the old URL revoked.
    @Sendable func rotate(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<CalendarFeedResponse> {
        let user = try context.requireUser()
        let token = FeedToken.generate()
        try await self.deps.feeds.rotate(userId: user.id, tokenHash: FeedToken.hash(token))
        return JSONResponse(status: .created, CalendarFeedResponse(url: "\(self.deps.configuration.email.publicURL)/v1/calendar-feeds/\(token)"))
    }

    /// → 204; 404 when the caller has no feed.
    @Sendable func revoke(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        guard try await self.deps.feeds.revoke(userId: user.id) else { throw APIError(.notFound, "no calendar feed") }
        return NoContent()
    }

    /// → 200 `text/calendar`: the meetings the feed's owner is a member of or invited to; 404 for any other token.
    @Sendable func feed(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let token = context.parameters.get("token"), FeedToken.isWellFormed(token),
            let userId = try await self.deps.feeds.userId(tokenHash: FeedToken.hash(token)),
            let user = try await self.deps.users.find(id: userId)
        else { throw APIError(.notFound, "no such calendar feed") }
        let now = Date()
        let series = try await self.deps.schedules.scheduled(
            user: user, from: now.addingTimeInterval(-Self.past), to: now.addingTimeInterval(Self.ahead),
            limit: ScheduleLimits.seriesPerUpcoming)
        var events: [CalendarInvite] = []
        for entry in series {
            let owner = try await self.deps.users.find(id: entry.meeting.ownerId)
            events += FeedEvents.events(
                for: entry, organizer: .init(email: owner?.email ?? self.deps.configuration.email.from, name: owner?.displayName),
                attendee: .init(email: user.email, name: user.displayName),
                link: "\(self.deps.configuration.email.publicURL)/\(entry.meeting.code)", stamp: now)
        }
        let text = CalendarFeed(name: "Meet: \(user.displayName)", events: events).text
        var headers = HTTPFields()
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The VEVENTs of one scheduled meeting in a feed: the series (RRULE, with
/// EXDATE for cancelled occurrences) and one overriding VEVENT per moved
/// occurrence (RECURRENCE-ID). A cancelled single meeting has none.
enum FeedEvents {
    static func events(
        for entry: ScheduledMeeting, organizer: CalendarInvite.Person, attendee: CalendarInvite.Person, link: String, stamp: Date
    ) -> [CalendarInvite] {
        let schedule = entry.schedule
        var master = CalendarInvite(
            method: .request, uid: "\(entry.meeting.id.uuidString.lowercased())@meet", sequence: schedule.sequence, stamp: stamp,
            start: schedule.startsAt, end: schedule.endsAt, timeZone: schedule.zone, summary: entry.meeting.title,
            description: schedule.description, url: link, organizer: organizer, attendees: [attendee],
            recurrenceRule: schedule.rule?.text)
        let cancelled = entry.exceptions.filter(\.cancelled).map(\.originalStart)
        guard schedule.rule != nil else {
            guard !cancelled.contains(schedule.startsAt) else { return [] }
            if let moved = entry.exceptions.first(where: { !$0.cancelled && $0.originalStart == schedule.startsAt }) {
                master.start = moved.startsAt ?? master.start
                master.end = moved.endsAt ?? master.end
            }
            return [master]
        }
        master.excludedStarts = cancelled
        var events = [master]
        for exception in entry.exceptions where !exception.cancelled {
            var moved = master
            moved.recurrenceRule = nil
            moved.excludedStarts = []
            moved.recurrenceId = exception.originalStart
            moved.start = exception.startsAt ?? exception.originalStart
            moved.end = exception.endsAt ?? moved.start.addingTimeInterval(schedule.endsAt.timeIntervalSince(schedule.startsAt))
            events.append(moved)
        }
        return events
    }
}
