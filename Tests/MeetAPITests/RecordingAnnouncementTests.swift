import Foundation
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetProtocol
import Synchronization
import Testing
@testable import MeetAPI

/// What a recording start or stop tells the recorders and the room
/// (docs/dev/recording.md, "Job flow"; docs/signaling.md, Recording).
@Suite("Recording announcements")
struct RecordingAnnouncementTests {
    static let meeting = MeetingRecord(
        id: UUID(), code: "abc-defg-hij", title: "T", passwordHash: nil, waitingRoom: false, capacity: nil, status: .active,
        ownerId: UUID(), createdAt: Date(), endedAt: nil)

    static func recording(_ status: RecordingStatus, reason: String? = nil) -> RecordingResponse {
        RecordingResponse(
            id: UUID(), status: status, startedBy: UUID(), stopReason: reason,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000), startedAt: nil, endedAt: nil)
    }

    static func room(_ message: RecordingAnnouncements.Message) throws -> (RoomBusMessage, ServerMessage) {
        let envelope = try JSONDecoder().decode(BusEnvelope<RoomBusMessage>.self, from: Data(message.payload))
        #expect(envelope.type == RoomChannels.eventType)
        let frame = try SignalingCodec.decodeServer(Data(envelope.body.frame.utf8))
        return (envelope.body, frame.message)
    }

    static func job(_ message: RecordingAnnouncements.Message) throws -> RecordingJob {
        let envelope = try JSONDecoder().decode(BusEnvelope<RecordingJob>.self, from: Data(message.payload))
        #expect(envelope.type == RecorderChannels.jobType)
        return envelope.body
    }

    @Test("a start sends the job on recorder:jobs and recording-started to the room's participants")
    func started() throws {
        let announcements = RecordingAnnouncements(keyPrefix: "staging")
        let recording = Self.recording(.starting)
        let messages = try announcements.started(recording, meeting: Self.meeting)
        #expect(messages.map(\.channel) == ["staging:recorder:jobs", RoomChannels(prefix: "staging").channel(Self.meeting.id)])

        let job = try Self.job(messages[0])
        #expect(job.action == .start)
        #expect(job.recordingId == recording.id)
        #expect(job.meetingCode == Self.meeting.code)
        #expect(job.segment == 0)
        #expect(job.requestedBy == recording.startedBy)

        let (room, event) = try Self.room(messages[1])
        #expect(room.audience == .participants)
        #expect(room.type == "recording-started")
        #expect(
            event == .recordingStarted(
                RecordingStarted(recordingId: recording.id, startedBy: recording.startedBy, startedAt: recording.createdAt)))
    }

    @Test("a stop tells the holder and the room, also when the row went straight to stopped")
    func stopped() throws {
        let announcements = RecordingAnnouncements(keyPrefix: "")
        let by = UUID()
        let stopping = Self.recording(.stopping, reason: "stopped_by_host")
        let messages = try announcements.stopped(stopping, meeting: Self.meeting, by: by)
        #expect(messages.map(\.channel) == ["recorder:jobs", RoomChannels(prefix: "").channel(Self.meeting.id)])
        let job = try Self.job(messages[0])
        #expect(job.action == .stop)
        #expect(job.requestedBy == by)
        #expect(try Self.room(messages[1]).1 == .recordingStopped(RecordingStopped(recordingId: stopping.id, reason: "stopped_by_host")))

        // A recorder may hold the job before it has written `recording`: the stop must still reach it.
        let early = try announcements.stopped(Self.recording(.stopped, reason: "stopped_by_host"), meeting: Self.meeting, by: by)
        #expect(early.map(\.channel) == ["recorder:jobs", RoomChannels(prefix: "").channel(Self.meeting.id)])
        #expect(try Self.job(early[0]).action == .stop)
    }

    /// Records what the controller announces.
    final class Captured: RecordingEvents, Sendable {
        let events = Mutex<[String]>([])
        func started(_ recording: RecordingResponse, meeting: MeetingRecord, seat: RecorderSeat?) async {
            self.events.withLock { $0.append("started \(recording.status.rawValue) \(meeting.code) seat \(seat != nil)") }
        }
        func stopped(_ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?) async {
            self.events.withLock { $0.append("stopped \(recording.status.rawValue) \(meeting.code)") }
        }
    }

    @Test("the routes announce a start and a stop, and nothing for a refused start")
    func routesAnnounce() async throws {
        let captured = Captured()
        let deps = await APIDependencies(
            configuration: try await TestApp.configuration(), storage: .memory(), rateLimiter: InMemoryRateLimiter(),
            recordingEvents: captured)
        try await Application(router: buildRouter(deps)).test(.router) { client in
            let api = APIClient(client: client)
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let recording = "/v1/meetings/\(meeting.code)/recording"
            #expect(try await api.send(.post, recording, token: owner.accessToken).status == .created)
            #expect(try await api.send(.post, recording, token: owner.accessToken).status == .conflict)
            #expect(try await api.send(.delete, recording, token: owner.accessToken).status == .ok)
            #expect(captured.events.withLock { $0 } == ["started starting \(meeting.code) seat true", "stopped stopped \(meeting.code)"])
        }
    }
}
