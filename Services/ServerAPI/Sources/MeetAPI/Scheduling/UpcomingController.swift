import Foundation
import Hummingbird
import MeetProtocol

/// `GET /v1/meetings/upcoming`: the caller's next occurrences across every
/// meeting they are a member of (owner, host or attendee) or invited to
/// (pending or accepted), in start order.
///
/// Bounded on every axis: the window (default 30 days from now, at most
/// 366), the page (default 20, at most 100) and the series scanned
/// (``ScheduleLimits/seriesPerUpcoming``, earliest first). Cancelled
/// occurrences are left out; an occurrence under way (started, not ended)
/// is included. Pages continue with `cursor`, the `nextCursor` of the last
/// page, which names the last item's start, meeting and occurrence.
struct UpcomingController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("upcoming", use: self.list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<UpcomingItem>> {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let (from, to) = try ScheduleValidation.window(
            from: query.get("from"), to: query.get("to"), now: Date(), defaultLength: 30 * 86_400)
        let limit = try Validate.limit(query.get("limit"), default: 20, max: 100)
        let cursor = try query.get("cursor").map(UpcomingCursor.init(parsing:))

        let series = try await self.deps.schedules.scheduled(
            user: user, from: from, to: to, limit: ScheduleLimits.seriesPerUpcoming)
        var items: [(UpcomingCursor, UpcomingItem)] = []
        // A page needs at most `limit + 1` items from each series after the
        // cursor, plus those that began before it and still run (at most 7:
        // an occurrence lasts 7 days at most, a series repeats daily at most).
        let start = max(from, cursor?.start ?? from)
        for entry in series {
            let occurrences = ScheduleOccurrences(schedule: entry.schedule, exceptions: entry.exceptions)
                .list(from: start, to: to, limit: limit + 8, includeCancelled: false)
            for occurrence in occurrences {
                let key = UpcomingCursor(start: occurrence.startsAt, meetingId: entry.meeting.id, occurrenceId: occurrence.id)
                if let cursor, !(cursor < key) { continue }
                items.append((key, UpcomingItem(meeting: entry.meeting.response(role: entry.role), occurrence: occurrence)))
            }
        }
        items.sort { $0.0 < $1.0 }
        let page = items.prefix(limit)
        let next = items.count > limit ? page.last?.0.text : nil
        return JSONResponse(Page(items: page.map(\.1), nextCursor: next))
    }
}

/// The position of an upcoming item: `<start, epoch seconds>_<meeting id>_<occurrence id>`.
struct UpcomingCursor: Sendable, Comparable {
    var start: Date
    var meetingId: UUID
    var occurrenceId: String

    init(start: Date, meetingId: UUID, occurrenceId: String) {
        self.start = start
        self.meetingId = meetingId
        self.occurrenceId = occurrenceId
    }

    init(parsing raw: String) throws {
        let parts = raw.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count <= 12, let seconds = Int64(parts[0]), seconds >= 0,
            let meetingId = UUID(uuidString: String(parts[1])), BasicDateTime.parse(parts[2]) != nil
        else {
            throw APIError.validation("cursor", "is not a valid cursor")
        }
        self.init(start: Date(timeIntervalSince1970: TimeInterval(seconds)), meetingId: meetingId, occurrenceId: String(parts[2]))
    }

    var text: String {
        "\(Int64(self.start.timeIntervalSince1970.rounded(.down)))_\(self.meetingId.uuidString.lowercased())_\(self.occurrenceId)"
    }

    static func < (lhs: UpcomingCursor, rhs: UpcomingCursor) -> Bool {
        let l = lhs.start.timeIntervalSince1970.rounded(.down), r = rhs.start.timeIntervalSince1970.rounded(.down)
        if l != r { return l < r }
        let lm = lhs.meetingId.uuidString, rm = rhs.meetingId.uuidString
        if lm != rm { return lm < rm }
        return lhs.occurrenceId < rhs.occurrenceId
    }
}
