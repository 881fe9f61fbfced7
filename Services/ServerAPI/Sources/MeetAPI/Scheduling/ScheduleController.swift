import Foundation
import Hummingbird
import Logging
import MeetProtocol

/// `/v1/meetings/{code}/schedule` and `/v1/meetings/{code}/occurrences`:
/// when a meeting takes place, and its single occurrences (docs/scheduling.md).
///
/// Members read; the owner and hosts change. A schedule is optional: a
/// meeting without one is an instant room, as before. Scheduling never
/// closes the room: joining before the start works as it always did
/// (docs/scheduling.md, "Joining early").
struct ScheduleController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/schedule", use: self.show)
        group.put("{code}/schedule", use: self.save)
        group.delete("{code}/schedule", use: self.remove)
        group.get("{code}/occurrences", use: self.occurrences)
        group.patch("{code}/occurrences/{occurrenceId}", use: self.move)
        group.delete("{code}/occurrences/{occurrenceId}", use: self.cancel)
    }

    static let managers: Set<MemberRole> = [.owner, .host]

    /// `GET …/schedule` → ``ScheduleResponse``; members; 409 `not_scheduled` when unscheduled.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<ScheduleResponse> {
        let (_, _, schedule) = try await self.scheduled(context, roles: Set(MemberRole.allCases))
        return JSONResponse(schedule.response)
    }

    /// `PUT …/schedule` → 200 ``ScheduleResponse``; owner or host. Creates
    /// the schedule or replaces the series (its exceptions are dropped).
    @Sendable func save(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<ScheduleResponse> {
        let (user, meeting) = try await self.authorizedMeeting(context, roles: Self.managers)
        let body = try await self.deps.body.decode(ScheduleRequest.self, from: request)
        let validated = try ScheduleValidation.schedule(body)
        let plan = try await self.deps.notices.plan(meeting, by: user, audience: true)
        // The schedule and its notices (notifications, emails) commit together.
        let schedule = try await self.deps.notices.pushed(
            try await self.deps.schedules.save(meetingId: meeting.id, validated, notices: { try plan.changed(.updated, schedule: $0) }))
        context.logger.info(
            "meeting scheduled", metadata: ["meeting.code": "\(meeting.code)", "schedule.sequence": "\(schedule.sequence)"])
        return JSONResponse(schedule.response)
    }

    /// `DELETE …/schedule` → 204; owner or host. Cancels the whole series;
    /// the meeting stays an instant room (end it with `DELETE /v1/meetings/{code}`).
    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let (user, meeting, schedule) = try await self.scheduled(context, roles: Self.managers)
        var last = schedule
        last.sequence += 1
        let plan = try await self.deps.notices.plan(meeting, by: user, audience: true)
        let committed = try await self.deps.schedules.delete(
            meetingId: meeting.id, notices: try plan.changed(.cancelled, schedule: last))
        guard await self.deps.notices.pushed(committed) else { throw Self.notScheduled }
        return NoContent()
    }

    /// `GET …/occurrences?from=&to=&limit=` → ``OccurrenceListResponse``;
    /// members. The window defaults to 90 days from now, at most 366 days.
    @Sendable func occurrences(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<OccurrenceListResponse> {
        let (_, meeting, schedule) = try await self.scheduled(context, roles: Set(MemberRole.allCases))
        let query = request.uri.queryParameters
        let (from, to) = try ScheduleValidation.window(
            from: query.get("from"), to: query.get("to"), now: Date(), defaultLength: 90 * 86_400)
        let limit = try Validate.limit(query.get("limit"), default: 50, max: 500)
        let exceptions = try await self.deps.schedules.exceptions(meetingId: meeting.id)
        let items = ScheduleOccurrences(schedule: schedule, exceptions: exceptions).list(from: from, to: to, limit: limit)
        return JSONResponse(OccurrenceListResponse(items: items))
    }

    /// `PATCH …/occurrences/{occurrenceId}` → ``OccurrenceResponse``: moves
    /// one occurrence (and un-cancels it); owner or host.
    @Sendable func move(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<OccurrenceResponse> {
        let (user, meeting, schedule) = try await self.scheduled(context, roles: Self.managers)
        let original = try ScheduleValidation.occurrence(context.parameters.get("occurrenceId"), of: schedule)
        let body = try await self.deps.body.decode(UpdateOccurrenceRequest.self, from: request)
        let (start, end) = try ScheduleValidation.interval(body.startsAt, body.endsAt)
        let exception = OccurrenceException(originalStart: original, cancelled: false, startsAt: start, endsAt: end)
        _ = try await self.saveException(
            exception, meeting: meeting, by: user, telling: .occurrenceMoved(original: original, start: start, end: end))
        return JSONResponse(
            OccurrenceResponse(id: BasicDateTime.utc(original), startsAt: start, endsAt: end, status: .moved))
    }

    /// `DELETE …/occurrences/{occurrenceId}` → 204: cancels one occurrence
    /// (again: 204); owner or host.
    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let (user, meeting, schedule) = try await self.scheduled(context, roles: Self.managers)
        let original = try ScheduleValidation.occurrence(context.parameters.get("occurrenceId"), of: schedule)
        _ = try await self.saveException(
            OccurrenceException(originalStart: original, cancelled: true, startsAt: nil, endsAt: nil), meeting: meeting, by: user,
            telling: .occurrenceCancelled(original: original))
        return NoContent()
    }

    // MARK: Helpers

    /// 409 rather than 404: the meeting is there, its schedule is a state it is not in (as `not_recording`).
    static let notScheduled = APIError(.notScheduled, "the meeting has no schedule; PUT one first")

    /// Saves the exception and, in the same transaction, the notices of `kind`.
    private func saveException(
        _ exception: OccurrenceException, meeting: MeetingRecord, by user: UserRecord, telling kind: MeetingMailKind
    ) async throws -> ScheduleRecord {
        let plan = try await self.deps.notices.plan(meeting, by: user, audience: true)
        do {
            let committed = try await self.deps.schedules.saveException(
                meetingId: meeting.id, exception, notices: { try plan.changed(kind, schedule: $0) })
            guard let saved = await self.deps.notices.pushed(committed) else { throw Self.notScheduled }
            return saved
        } catch ScheduleRepositoryError.tooManyExceptions {
            throw APIError.validation(
                "occurrenceId",
                "cannot be changed: the series already has \(ScheduleLimits.exceptionsPerSeries) changed occurrences; replace the series instead")
        }
    }

    /// The meeting, once the caller holds one of `roles` in it (403) and it
    /// is active (410).
    private func authorizedMeeting(_ context: APIRequestContext, roles: Set<MemberRole>) async throws -> (UserRecord, MeetingRecord) {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole(roles, in: meeting, user: user)
        try meeting.requireActive()
        return (user, meeting)
    }

    /// ``authorizedMeeting(_:roles:)`` and its schedule (404 without one).
    private func scheduled(
        _ context: APIRequestContext, roles: Set<MemberRole>
    ) async throws -> (UserRecord, MeetingRecord, ScheduleRecord) {
        let (user, meeting) = try await self.authorizedMeeting(context, roles: roles)
        guard let schedule = try await self.deps.schedules.find(meetingId: meeting.id) else { throw Self.notScheduled }
        return (user, meeting, schedule)
    }
}
