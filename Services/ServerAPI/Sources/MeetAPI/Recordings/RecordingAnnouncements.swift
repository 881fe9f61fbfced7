import Foundation
import MeetProtocol

/// What a recording start or stop puts on the bus, built without I/O:
/// the job for the recorders (``RecorderChannels/jobs``) and the room event
/// meet-ws forwards as it is to every joined participant (the frame is
/// encoded here once, as meet-ws's own room events are).
struct RecordingAnnouncements: Sendable {
    let rooms: RoomChannels
    let recorders: RecorderChannels
    /// The `from` of the envelopes and `origin` of the room events.
    let sender: String

    init(keyPrefix: String, sender: String = "meet-api") {
        self.rooms = RoomChannels(prefix: keyPrefix)
        self.recorders = RecorderChannels(prefix: keyPrefix)
        self.sender = sender
    }

    /// One bus message: its channel and JSON bytes.
    struct Message: Sendable, Equatable {
        var channel: String
        var payload: [UInt8]
    }

    func started(_ recording: RecordingResponse, meeting: MeetingRecord, seat: RecorderSeat? = nil, now: Date = Date()) throws -> [Message] {
        let event = ServerMessage.recordingStarted(
            RecordingStarted(recordingId: recording.id, startedBy: recording.startedBy, startedAt: recording.createdAt))
        return [
            try self.job(.start, recording, meeting: meeting, by: recording.startedBy, seat: seat, now: now),
            try self.room(event, meeting: meeting, now: now),
        ]
    }

    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?, now: Date = Date()) throws -> [Message] {
        let event = ServerMessage.recordingStopped(
            RecordingStopped(recordingId: recording.id, reason: recording.stopReason ?? RecordingController.stoppedByHost))
        // Sent even when the row went straight to `stopped`: a recorder may
        // have claimed the job before it wrote `recording`, and only the
        // holder acts on a stop (the others hold nothing by that id).
        return [
            try self.job(.stop, recording, meeting: meeting, by: user, now: now),
            try self.room(event, meeting: meeting, now: now),
        ]
    }

    private func job(
        _ action: RecordingJob.Action, _ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?,
        seat: RecorderSeat? = nil, now: Date
    ) throws -> Message {
        let job = RecordingJob(
            action: action, recordingId: recording.id, meetingId: meeting.id, meetingCode: meeting.code,
            requestedBy: user, sentAtMs: Self.milliseconds(now), joinToken: seat?.token, wsUrl: seat?.wsUrl)
        return Message(
            channel: self.recorders.jobs,
            payload: Array(try JSONEncoder().encode(RecorderChannels.envelope(job, from: self.sender))))
    }

    private func room(_ event: ServerMessage, meeting: MeetingRecord, now: Date) throws -> Message {
        let message = RoomBusMessage(
            meetingId: meeting.id, origin: self.sender, sentAtMs: Self.milliseconds(now), audience: .participants,
            exclude: nil, type: event.type, frame: SignalingCodec.encode(ServerEnvelope(event)))
        return Message(
            channel: self.rooms.channel(meeting.id),
            payload: Array(try JSONEncoder().encode(RoomChannels.envelope(message, from: self.sender))))
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
}
