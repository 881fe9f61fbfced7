import Foundation
import Hummingbird
import MeetProtocol

/// `/v1/meetings/{code}/recording` (start, stop) and `/recordings` (list):
/// docs/dev/recording.md, "Control".
///
/// Start and stop are for the owner and hosts, checked against their role
/// in the database at the time of the request (a host demoted a second ago
/// is refused); 410 `meeting_ended` once the meeting has ended. Listing is
/// for every member (owner, hosts, attendees). Who started or stopped what
/// goes to the room and to the recorders through ``RecordingEvents``.
struct RecordingController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("{code}/recording", use: self.start)
        group.delete("{code}/recording", use: self.stop)
        group.get("{code}/recordings", use: self.list)
        group.put("{code}/recording-access", use: self.setAccess)
    }

    /// `POST /v1/meetings/{code}/recording` → 201 ``RecordingResponse`` in
    /// `starting`; 409 `recording_active` while the meeting has an active one.
    @Sendable func start(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<RecordingResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        try meeting.requireActive()
        guard !meeting.e2ee else {
            throw APIError(.e2eeMeeting, "this meeting is end-to-end encrypted: its media cannot be recorded by the server")
        }
        let recording: RecordingResponse
        do {
            recording = try await self.deps.recordings.start(meetingId: meeting.id, startedBy: user.id)
        } catch RecordingRepositoryError.alreadyActive {
            throw APIError(.recordingActive, "the meeting is already being recorded; stop that recording first")
        }
        let seat = await RecorderSeat.mint(for: recording, meeting: meeting, deps: self.deps, logger: context.logger)
        await self.deps.recordingEvents.started(recording, meeting: meeting, seat: seat)
        return JSONResponse(status: .created, recording)
    }

    /// `DELETE /v1/meetings/{code}/recording` → 200 ``RecordingResponse``:
    /// `stopping` while its recorder closes the files, or `stopped` when no
    /// recorder is writing it (or on a second stop); 409 `not_recording`
    /// when nothing is. Also once the
    /// meeting has ended: stopping is cleaning up, never refused.
    @Sendable func stop(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<RecordingResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        guard let recording = try await self.deps.recordings.stop(meetingId: meeting.id, reason: Self.stoppedByHost) else {
            throw APIError(.notRecording, "the meeting is not being recorded")
        }
        await self.deps.recordingEvents.stopped(recording, meeting: meeting, by: user.id)
        return JSONResponse(recording)
    }

    /// `GET /v1/meetings/{code}/recordings` → ``RecordingListResponse``, newest first,
    /// to whom the meeting's `recording_access` allows (``RecordingAccessPolicy``).
    /// Also after the meeting ended: recordings outlive it. Deleted ones are not listed.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<RecordingListResponse> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        let manages = try await self.deps.requireRecordingAccess(meetingId: meeting.id, user: user, notFound: APIError.forbidden)
        let items = try await self.deps.recordings.list(meetingId: meeting.id)
        return JSONResponse(RecordingListResponse(items: manages ? items : items.map { $0.forViewers() }))
    }

    /// `PUT /v1/meetings/{code}/recording-access` (owner and hosts) → the
    /// setting: who besides them may list and play the meeting's
    /// recordings. Also after the end: it governs playback.
    @Sendable func setAccess(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<RecordingAccessBody> {
        let user = try context.requireUser()
        let meeting = try await self.deps.meeting(context)
        try await self.deps.requireRole([.owner, .host], in: meeting, user: user)
        let body = try await self.deps.body.decode(RecordingAccessBody.self, from: request)
        try await self.deps.recordings.setAccess(meetingId: meeting.id, access: body.access)
        return JSONResponse(body)
    }

    /// The end of the meeting (`DELETE /v1/meetings/{code}`) stops its recording.
    func stopAtEnd(of meeting: MeetingRecord, by user: UUID) async throws {
        guard let recording = try await self.deps.recordings.stop(meetingId: meeting.id, reason: Self.meetingEnded) else { return }
        await self.deps.recordingEvents.stopped(recording, meeting: meeting, by: user)
    }

    /// `stop_reason` of a stop asked by a host (REST or WS).
    static let stoppedByHost = "stopped_by_host"
    /// `stop_reason` when the meeting ended.
    static let meetingEnded = "meeting_ended"
}
