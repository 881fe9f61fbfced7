import Foundation
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetProtocol
import Testing
@testable import MeetAPI

/// `POST`/`DELETE /v1/meetings/{code}/recording` and `GET …/recordings`
/// (docs/dev/recording.md, "Control"). The one-active rule on PostgreSQL:
/// Tests/MeetAPIIntegrationTests/RecordingContractTests.swift.
@Suite("Recording routes")
struct RecordingRoutesTests {
    @Test("owner and hosts start and stop; attendees and strangers may not; members list")
    func access() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let attendee = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)
            let recording = "/v1/meetings/\(meeting.code)/recording"
            let recordings = "/v1/meetings/\(meeting.code)/recordings"

            (try await api.send(.post, recording, token: attendee.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.post, recording, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.post, recording)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.delete, recording, token: host.accessToken)).expectError(.conflict, .notRecording)

            let started = try await api.send(.post, recording, token: host.accessToken)
            #expect(started.status == .created)
            let made = try started.decode(RecordingResponse.self)
            #expect(made.status == .starting)
            #expect(made.startedBy == host.user.id)
            (try await api.send(.delete, recording, token: attendee.accessToken)).expectError(.forbidden, .forbidden)

            for token in [owner.accessToken, host.accessToken, attendee.accessToken] {
                let list = try await api.send(.get, recordings, token: token).decode(RecordingListResponse.self)
                #expect(list.items.map(\.id) == [made.id])
            }
            (try await api.send(.get, recordings, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.post, "/v1/meetings/aaa-bbbb-ccc/recording", token: owner.accessToken))
                .expectError(.notFound, .notFound)
        }
    }

    @Test("one active recording per meeting: a second start is 409 recording_active until the first stops")
    func oneActive() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let other = try await api.createMeeting(token: owner.accessToken)
            let recording = "/v1/meetings/\(meeting.code)/recording"

            let first = try await api.send(.post, recording, token: owner.accessToken).decode(RecordingResponse.self)
            (try await api.send(.post, recording, token: owner.accessToken)).expectError(.conflict, .recordingActive)
            // Another meeting is not affected.
            #expect(try await api.send(.post, "/v1/meetings/\(other.code)/recording", token: owner.accessToken).status == .created)

            // No recorder claimed it yet: nothing to close, stopped at once.
            let stopped = try await api.send(.delete, recording, token: owner.accessToken)
            #expect(stopped.status == .ok)
            let after = try stopped.decode(RecordingResponse.self)
            #expect(after.id == first.id)
            #expect(after.status == .stopped)
            #expect(after.stopReason == "stopped_by_host")
            #expect(after.endedAt != nil)
            (try await api.send(.delete, recording, token: owner.accessToken)).expectError(.conflict, .notRecording)

            let second = try await api.send(.post, recording, token: owner.accessToken)
            #expect(second.status == .created)
            let list = try await api.send(.get, "\(recording)s", token: owner.accessToken).decode(RecordingListResponse.self)
            #expect(list.items.map(\.status) == [.starting, .stopped])
        }
    }

    @Test("the end of the meeting stops its recording; an ended meeting cannot be recorded (410) and its recordings are still listed")
    func endedMeeting() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let recording = "/v1/meetings/\(meeting.code)/recording"
            #expect(try await api.send(.post, recording, token: owner.accessToken).status == .created)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)", token: owner.accessToken).status == .noContent)
            let list = try await api.send(.get, "\(recording)s", token: owner.accessToken).decode(RecordingListResponse.self)
            #expect(list.items.map(\.status) == [.stopped])
            #expect(list.items.first?.stopReason == "meeting_ended")
            (try await api.send(.post, recording, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            // Nothing left to stop, and asking is not refused for the meeting having ended.
            (try await api.send(.delete, recording, token: owner.accessToken)).expectError(.conflict, .notRecording)
        }
    }
}
