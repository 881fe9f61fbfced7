import Foundation
import Logging
import MeetAuth
import MeetBus
import MeetProtocol

/// `record-start` / `record-stop` from a host over the socket, and the
/// recording's stop when a host ends the meeting (docs/dev/recording.md,
/// "Control"). The same rule as meet-api's REST control, on the same
/// statements (``ParticipantStore/startRecording(meetingId:startedBy:)``):
/// one active recording per meeting, decided by PostgreSQL's partial unique
/// index whichever replica or service starts it. The sender's role was
/// checked against PostgreSQL just before (``SeatDriver/authorizeHost(_:_:)``).
/// What a start or stop tells the recorders (the job on `recorder:jobs`) and
/// the room (`recording-started` / `recording-stopped`) is what meet-api sends.
struct RecordingDriver {
    let session: any SessionContext

    /// `stop_reason` of a host's stop (meet-api's REST stop writes the same).
    static let stoppedByHost = "stopped_by_host"
    /// `stop_reason` when the meeting ended.
    static let meetingEnded = "meeting_ended"

    func start(_ id: String?) async throws {
        let identity = self.session.identity
        guard let userId = identity.userId else { return await self.session.fail(id, .forbidden, "only hosts may record-start") }
        guard !identity.e2ee else {
            return await self.session.fail(id, .e2eeMeeting, "this meeting is end-to-end encrypted: its media cannot be recorded by the server")
        }
        guard let started = try await self.session.services.participants.startRecording(meetingId: identity.meetingId, startedBy: userId)
        else {
            return await self.session.fail(id, .recordingActive, "the meeting is already being recorded; stop that recording first")
        }
        do {
            try await Self.publishJob(
                .start, started.recordingId, identity: identity, by: userId, token: await self.recorderToken(started),
                services: self.session.services)
        } catch {
            // No recorder will hear of it: stop the row, so no indicator shows and a retry is not `recording_active`.
            _ = try? await self.session.services.participants.stopRecording(meetingId: identity.meetingId, reason: Self.startFailed)
            throw error
        }
        try await self.session.tellRoom(.recordingStarted(started), audience: .participants)
        self.session.logger.info("recording started by host", metadata: ["recording.id": "\(started.recordingId)"])
        await self.session.reply(id, .ack(AckData()))
    }

    /// The stop reason of a recording whose job could not be sent (Redis down).
    static let startFailed = "start_failed"

    func stop(_ id: String?) async throws {
        let identity = self.session.identity
        guard let stopped = try await self.session.services.participants.stopRecording(meetingId: identity.meetingId, reason: Self.stoppedByHost)
        else {
            return await self.session.fail(id, .notRecording, "the meeting is not being recorded")
        }
        try await Self.announce(stopped, identity: identity, by: identity.userId, services: self.session.services)
        await self.session.reply(id, .ack(AckData()))
    }

    /// `end-meeting`: the meeting's recording stops with it (before the room hears `meeting-ended`).
    static func stopAtEnd(identity: SessionIdentity, services: SignalingServices) async throws {
        guard let stopped = try await services.participants.stopRecording(meetingId: identity.meetingId, reason: Self.meetingEnded)
        else { return }
        try await Self.announce(stopped, identity: identity, by: identity.userId, services: services)
    }

    /// The recorder seat's token for the job; nil (logged) when it cannot be
    /// signed: the recording then waits in `starting` until a host stops it.
    private func recorderToken(_ started: RecordingStarted) async -> String? {
        guard let tokens = self.session.tokens else { return nil }
        let identity = self.session.identity
        do {
            return try await tokens.makeRecorderToken(
                .recorderSeat(recordingId: started.recordingId, meetingId: identity.meetingId, meetingCode: identity.meetingCode))
        } catch {
            self.session.logger.error("could not sign a recorder token", metadata: ["recording.id": "\(started.recordingId)", "error": "\(error)"])
            return nil
        }
    }

    /// The stop job (always: a recorder may hold the claim before it wrote `recording`) and the room's event.
    private static func announce(_ stopped: RecordingStopped, identity: SessionIdentity, by user: UUID?, services: SignalingServices) async throws {
        try await Self.publishJob(.stop, stopped.recordingId, identity: identity, by: user, token: nil, services: services)
        try await services.publish(.recordingStopped(stopped), meetingId: identity.meetingId, audience: .participants)
    }

    /// A job on `recorder:jobs`. A start from meet-ws carries no meet-ws URL
    /// (a replica knows no public one): the recorder uses `MEET_RECORDER_WS_URL`.
    private static func publishJob(
        _ action: RecordingJob.Action, _ recordingId: UUID, identity: SessionIdentity, by user: UUID?, token: String?,
        services: SignalingServices
    ) async throws {
        let job = RecordingJob(
            action: action, recordingId: recordingId, meetingId: identity.meetingId, meetingCode: identity.meetingCode, requestedBy: user,
            sentAtMs: WSMetrics.nowMs(), joinToken: token)
        _ = try await services.bus.bus.publish(RecorderChannels.jobType, job, to: RecorderChannels(prefix: services.bus.keys.prefix).jobs)
    }
}
