import Foundation
import Hummingbird
import MeetProtocol

/// Reports (issue #20, item 6), for the meeting's owner and hosts and for
/// each user about themselves, as JSON or CSV (`?format=csv`):
///
/// - `GET /v1/meetings/{code}/report`: attendance (who, when, how long),
///   duration, peak participants, chat count, polls with their tallies
///   and questions (issue #21; the CSV has the attendance only). Owner and hosts only, the
///   role read from PostgreSQL at the request; others 403.
/// - `GET /v1/users/me/report`: meetings hosted and attended, time spent.
///
/// Each attendance entry has its talk time (`talkSeconds`), and the
/// per-user report the caller's: what meet-ws measured from the active
/// speakers (docs/scheduling.md, "Talk time").
struct ReportController: Sendable {
    let deps: APIDependencies
    /// The most seats the per-user report reads (newest first).
    static let userSeatsLimit = 10_000

    func addMeetingRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/report", use: self.meeting)
    }

    func addAccountRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("me/report", use: self.user)
    }

    @Sendable func meeting(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let format = try Self.format(request)
        let meeting = try await self.deps.meeting(context)
        _ = try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        var report = AttendanceReport.meeting(
            meeting, rows: try await self.deps.participants.attendance(meetingId: meeting.id),
            chatMessages: try await self.deps.participants.chatCount(meetingId: meeting.id), now: Date())
        report.polls = try await self.deps.engagement.polls(meetingId: meeting.id)
        report.questions = try await self.deps.engagement.questions(meetingId: meeting.id)
        guard format == .csv else { return try JSONResponse(report).response(from: request, context: context) }
        let rows = report.attendance.map { entry in
            [entry.displayName, entry.role.rawValue, entry.userId.map { $0.uuidString.lowercased() } ?? "", CSV.date(entry.joinedAt),
             CSV.date(entry.leftAt), String(entry.secondsPresent), String(entry.talkSeconds)]
        }
        return Self.csv(
            CSV.encode(header: ["name", "role", "user_id", "joined_at", "left_at", "seconds_present", "talk_seconds"], rows: rows),
            filename: "meet-\(meeting.code)-attendance.csv")
    }

    @Sendable func user(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let format = try Self.format(request)
        let report = AttendanceReport.user(
            user.id, hosted: try await self.deps.participants.meetingsOwned(userId: user.id),
            seats: try await self.deps.participants.participations(userId: user.id, limit: Self.userSeatsLimit), now: Date())
        guard format == .csv else { return try JSONResponse(report).response(from: request, context: context) }
        let rows = report.meetings.map {
            [$0.code, $0.title, CSV.date($0.firstJoinedAt), String($0.secondsPresent), String($0.talkSeconds)]
        }
        return Self.csv(
            CSV.encode(header: ["code", "title", "first_joined_at", "seconds_present", "talk_seconds"], rows: rows),
            filename: "meet-my-meetings.csv")
    }

    enum Format: String { case json, csv }

    static func format(_ request: Request) throws -> Format {
        guard let raw = request.uri.queryParameters.get("format") else { return .json }
        guard let format = Format(rawValue: String(raw)) else { throw APIError.validation("format", "must be json or csv") }
        return format
    }

    static func csv(_ text: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
