import Foundation
import Hummingbird
import Logging
import MeetCore
import MeetProtocol

/// `/v1/meetings` and `/v1/meetings/{code}`.
struct MeetingController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(use: self.create)
        group.get(use: self.list)
        group.get("{code}", use: self.show)
        group.patch("{code}", use: self.update)
        group.delete("{code}", use: self.end)
    }

    /// `POST /v1/meetings` → 201 ``MeetingResponse``; the caller becomes its owner.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MeetingResponse> {
        let user = try context.requireUser()
        let body = try await self.deps.body.decode(CreateMeetingRequest.self, from: request)
        let title = try Validate.title(body.title)
        if let password = body.password { try Validate.password(password) }
        if let capacity = body.capacity { try Validate.capacity(capacity) }
        let passwordHash = try await body.password.asyncMap { try await self.deps.passwords.hash($0) }

        // Codes are random; on the rare collision, draw again.
        for _ in 0..<8 {
            let meeting = NewMeeting(
                code: MeetingCode.generate(), title: title, passwordHash: passwordHash,
                waitingRoom: body.waitingRoom ?? false, capacity: body.capacity, e2ee: body.e2ee ?? false, ownerId: user.id
            )
            do {
                let record = try await self.deps.meetings.create(meeting)
                context.logger.info("meeting created", metadata: ["meeting.code": "\(record.code)", "user.id": "\(user.id)"])
                return JSONResponse(status: .created, record.response(role: .owner))
            } catch RepositoryError.codeTaken {
                continue
            }
        }
        throw APIError(.internalError, "could not allocate a meeting code")
    }

    /// `GET /v1/meetings?limit=&cursor=` → ``Page`` of the caller's meetings, newest first.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<Page<MeetingResponse>> {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let limit = try Validate.limit(query.get("limit"), default: 20, max: 100)
        let cursor = try Validate.idCursor(query.get("cursor"))
        let rows = try await self.deps.meetings.list(memberId: user.id, after: cursor, limit: limit + 1)
        let page = rows.prefix(limit).map { meeting, role in meeting.response(role: role) }
        let next = rows.count > limit ? page.last?.id.uuidString.lowercased() : nil
        return JSONResponse(Page(items: Array(page), nextCursor: next))
    }

    /// `GET /v1/meetings/{code}` → ``MeetingResponse``. Any signed-in user
    /// may look a meeting up by its code (to learn whether it needs a
    /// password). An ended meeting is 410 `meeting_ended`, as is every other
    /// operation on it (a DELETE that leaves the resource readable breaks
    /// REST's contract); it stays listed, with status `ended`, in `GET /v1/meetings`.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MeetingResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.activeMeeting(context)
        let role = try await self.deps.members.role(meetingId: meeting.id, userId: user.id)
        return JSONResponse(meeting.response(role: role))
    }

    /// `PATCH /v1/meetings/{code}` → ``MeetingResponse``; owner or host only.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<MeetingResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        let role = try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        let body = try await self.deps.body.decode(UpdateMeetingRequest.self, from: request)

        var changes = MeetingChanges()
        changes.title = try body.title.map { try Validate.title($0) }
        changes.waitingRoom = body.waitingRoom
        switch body.password {
        case .unchanged: break
        case .clear: changes.passwordHash = .clear
        case .set(let password):
            try Validate.password(password)
            changes.passwordHash = .set(try await self.deps.passwords.hash(password))
        }
        switch body.capacity {
        case .unchanged: break
        case .clear: changes.capacity = .clear
        case .set(let capacity):
            try Validate.capacity(capacity)
            changes.capacity = .set(capacity)
        }
        guard let updated = try await self.deps.meetings.update(id: meeting.id, changes: changes) else {
            throw APIError.meetingEnded
        }
        return JSONResponse(updated.response(role: role))
    }

    /// `DELETE /v1/meetings/{code}` → 204; owner only. Ends the meeting: no
    /// new joins, live participants are marked `left` and their sockets get
    /// `meeting-ended` and close, its recording stops.
    /// Ending twice is 410.
    @Sendable func end(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner], in: meeting, user: user)
        guard try await self.deps.meetings.end(id: meeting.id) else { throw APIError.meetingEnded }
        context.logger.info("meeting ended", metadata: ["meeting.code": "\(meeting.code)"])
        await self.deps.memberships.ended(meetingId: meeting.id)
        try await RecordingController(deps: self.deps).stopAtEnd(of: meeting, by: user.id)
        return NoContent()
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
