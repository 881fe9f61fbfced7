import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import MeetStorage
import Testing
@testable import MeetAPI

/// `GET /v1/recordings/{id}`, `…/files/{fileId}` with `Range`, `DELETE
/// /v1/recordings/{id}`, `PUT /v1/meetings/{code}/recording-access` and
/// retention (docs/dev/recording.md, "Playback"), on in-memory storage with
/// a file in a temporary directory store. S3 end to end:
/// Tests/e2e/test_recording_storage.py.
@Suite("Recording playback")
struct RecordingPlaybackTests {
    /// 1000 bytes, each its offset mod 251, so any range is checkable.
    static let content = Data((0..<1000).map { UInt8($0 % 251) })

    /// A recording of a meeting, stopped, with one video file in `root`.
    struct Fixture: Sendable {
        var owner: AuthResponse
        var meeting: MeetingResponse
        var recordingId: UUID
        var fileId: UUID
        var root: String
        var path: String { "/v1/recordings/\(recordingId)/files/\(fileId)" }
    }

    static func withFixture(_ test: @Sendable (APIClient, MemoryStore, Fixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-playback-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root + "/m/r", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.content.write(to: URL(fileURLWithPath: root + "/m/r/seg0-p-video.webm"))
        let store = MemoryStore()
        try await TestApp.run({ $0.recordings.directory = root }, store: store) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let started = try await api.send(.post, "/v1/meetings/\(meeting.code)/recording", token: owner.accessToken)
                .decode(RecordingResponse.self)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)/recording", token: owner.accessToken).status == .ok)
            let file = StoredRecordingFile(id: UUID(), storage: .directory, key: root + "/m/r/seg0-p-video.webm", kind: "video", codec: "VP8")
            await store.transaction { tables in
                let index = tables.recordings.firstIndex { $0.response.id == started.id }!
                tables.recordings[index].files = [file]
            }
            try await test(api, store, Fixture(owner: owner, meeting: meeting, recordingId: started.id, fileId: file.id, root: root))
        }
    }

    @Test("the whole file (200) and byte ranges (206) are byte-exact, with the playback headers")
    func ranges() async throws {
        try await Self.withFixture { api, _, fixture in
            let token = fixture.owner.accessToken
            let whole = try await api.send(.get, fixture.path, token: token)
            #expect(whole.status == .ok)
            #expect(Data(whole.body.readableBytesView) == Self.content)
            #expect(whole.headers[.contentType] == "video/webm")
            #expect(whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"recording-") == true)
            #expect(whole.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(whole.headers[.contentLength] == "1000")

            for (header, expected, contentRange) in [
                ("bytes=10-19", 10...19, "bytes 10-19/1000"), ("bytes=990-", 990...999, "bytes 990-999/1000"),
                ("bytes=-5", 995...999, "bytes 995-999/1000"), ("bytes=0-99999", 0...999, "bytes 0-999/1000"),
            ] {
                let part = try await api.send(.get, fixture.path, token: token, headers: [("Range", header)])
                #expect(part.status == .partialContent, "\(header)")
                #expect(part.headers[.contentRange] == contentRange)
                #expect(Data(part.body.readableBytesView) == Self.content[expected])
            }
            let beyond = try await api.send(.get, fixture.path, token: token, headers: [("Range", "bytes=1000-")])
            beyond.expectError(.rangeNotSatisfiable, .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */1000")
            (try await api.send(.get, "/v1/recordings/\(fixture.recordingId)/files/\(UUID())", token: token))
                .expectError(.notFound, .notFound)
            (try await api.send(.get, "/v1/recordings/not-a-uuid", token: token)).expectError(.notFound, .notFound)
        }
    }

    @Test("the authorization matrix: owner and hosts always; members, participants and strangers as recording_access says")
    func matrix() async throws {
        try await Self.withFixture { api, _, fixture in
            let code = fixture.meeting.code
            let owner = fixture.owner.accessToken
            let host = try await api.register()
            let attendee = try await api.register()
            let participant = try await api.register()
            let stranger = try await api.register()
            _ = try await api.addMember(code, token: owner, email: host.user.email, role: .host)
            _ = try await api.addMember(code, token: owner, email: attendee.user.email, role: .attendee)
            #expect(try await api.join(code, token: participant.accessToken).status == .ok)
            let show = "/v1/recordings/\(fixture.recordingId)"
            let list = "/v1/meetings/\(code)/recordings"

            func status(_ token: String?, _ path: String) async throws -> Int {
                Int(try await api.send(.get, path, token: token).status.code)
            }
            func setAccess(_ access: RecordingAccess, token: String) async throws -> Int {
                Int(try await api.send(.put, "/v1/meetings/\(code)/recording-access", json: RecordingAccessBody(access: access), token: token).status.code)
            }
            // (owner, host, attendee, participant, stranger) per setting; anonymous is always 401.
            let expected: [RecordingAccess: [Int]] = [
                .hosts: [200, 200, 403, 403, 404],
                .members: [200, 200, 200, 403, 404],
                .participants: [200, 200, 200, 200, 404],
            ]
            for access in RecordingAccess.allCases {
                #expect(try await setAccess(access, token: owner) == 200)
                for path in [show, fixture.path] {
                    var got: [Int] = []
                    for token in [owner, host.accessToken, attendee.accessToken, participant.accessToken, stranger.accessToken] {
                        got.append(try await status(token, path))
                    }
                    #expect(got == expected[access], "\(access) \(path)")
                    #expect(try await status(nil, path) == 401)
                }
                // The meeting's listing follows the same setting (a stranger: 403, as before).
                #expect(try await status(attendee.accessToken, list) == (access == .hosts ? 403 : 200))
                #expect(try await status(participant.accessToken, list) == (access == .participants ? 200 : 403))
            }
            #expect(try await setAccess(.members, token: attendee.accessToken) == 403)
            #expect(try await setAccess(.members, token: host.accessToken) == 200)
            (try await api.send(.put, "/v1/meetings/\(code)/recording-access", raw: #"{"access":"everyone"}"#, token: owner))
                .expectError(.unprocessableContent, .validationFailed)
        }
    }

    @Test("a host deletes a recording: its file is gone and it no longer lists or plays; others may not")
    func delete() async throws {
        try await Self.withFixture { api, _, fixture in
            let attendee = try await api.register()
            _ = try await api.addMember(fixture.meeting.code, token: fixture.owner.accessToken, email: attendee.user.email, role: .attendee)
            let show = "/v1/recordings/\(fixture.recordingId)"
            (try await api.send(.delete, show, token: attendee.accessToken)).expectError(.forbidden, .forbidden)
            #expect(try await api.send(.delete, show, token: fixture.owner.accessToken).status == .noContent)
            #expect(!FileManager.default.fileExists(atPath: fixture.root + "/m/r/seg0-p-video.webm"))
            (try await api.send(.get, show, token: fixture.owner.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.get, fixture.path, token: fixture.owner.accessToken)).expectError(.notFound, .notFound)
            let listed = try await api.send(.get, "/v1/meetings/\(fixture.meeting.code)/recordings", token: fixture.owner.accessToken)
                .decode(RecordingListResponse.self)
            #expect(listed.items.isEmpty)
        }
    }

    @Test("retention deletes what ended before the cutoff, files first, and nothing newer or still running")
    func retention() async throws {
        try await Self.withFixture { api, store, fixture in
            let repository = MemoryRecordingRepository(store: store)
            let retention = RecordingRetention(
                recordings: repository, stores: RecordingStores(configuration: RecordingStorageConfiguration(directory: fixture.root)))
            // A second, running recording of another meeting: never selected.
            let other = try await api.createMeeting(token: fixture.owner.accessToken)
            _ = try await api.send(.post, "/v1/meetings/\(other.code)/recording", token: fixture.owner.accessToken)
            let now = Date()
            #expect(try await retention.sweep(now: now, days: 1) == 0)
            #expect(FileManager.default.fileExists(atPath: fixture.root + "/m/r/seg0-p-video.webm"))
            // Two days later the stopped one is past a one-day retention.
            let later = now.addingTimeInterval(2 * 86_400)
            #expect(try await repository.expired(before: RecordingRetention.cutoff(now: later, days: 1), limit: 10) == [fixture.recordingId])
            #expect(try await retention.sweep(now: later, days: 1) == 1)
            #expect(!FileManager.default.fileExists(atPath: fixture.root + "/m/r/seg0-p-video.webm"))
            #expect(try await repository.find(recordingId: fixture.recordingId) == nil)
            #expect(try await retention.sweep(now: later, days: 1) == 0)
        }
    }

    @Test("a recording whose files cannot be deleted is skipped, not in the way of newer ones")
    func retentionSkipsAStuckRecording() async throws {
        try await Self.withFixture { api, store, fixture in
            // The fixture's recording (the oldest) names an S3 object, and this server has no S3.
            await store.transaction { tables in
                let index = tables.recordings.firstIndex { $0.response.id == fixture.recordingId }!
                tables.recordings[index].files = [StoredRecordingFile(id: UUID(), storage: .s3, key: "m/r/x.webm", kind: "video", codec: "VP8")]
            }
            // A newer recording of another meeting, in the directory.
            let other = try await api.createMeeting(token: fixture.owner.accessToken)
            let newer = try await api.send(.post, "/v1/meetings/\(other.code)/recording", token: fixture.owner.accessToken)
                .decode(RecordingResponse.self)
            _ = try await api.send(.delete, "/v1/meetings/\(other.code)/recording", token: fixture.owner.accessToken)
            await store.transaction { tables in
                let index = tables.recordings.firstIndex { $0.response.id == newer.id }!
                tables.recordings[index].files = [
                    StoredRecordingFile(id: UUID(), storage: .directory, key: fixture.root + "/m/r/seg0-p-video.webm", kind: "video", codec: "VP8")
                ]
            }
            let repository = MemoryRecordingRepository(store: store)
            let retention = RecordingRetention(
                recordings: repository, stores: RecordingStores(configuration: RecordingStorageConfiguration(directory: fixture.root)))
            #expect(try await retention.sweep(now: Date().addingTimeInterval(2 * 86_400), days: 1) == 1)
            #expect(try await repository.find(recordingId: newer.id) == nil)
            #expect(try await repository.find(recordingId: fixture.recordingId) != nil)
        }
    }

    @Test("every replica enqueues the same retention job per interval, a new one in the next")
    func retentionJobKey() throws {
        let start = Date(timeIntervalSince1970: 7200)
        let first = try RecordingRetentionJobHandler.job(now: start, interval: .seconds(3600))
        let sameSlot = try RecordingRetentionJobHandler.job(now: start.addingTimeInterval(3599), interval: .seconds(3600))
        let next = try RecordingRetentionJobHandler.job(now: start.addingTimeInterval(3600), interval: .seconds(3600))
        #expect(first.kind == RecordingRetentionJobHandler.kind)
        #expect(first.dedupeKey != nil)
        #expect(first.dedupeKey == sameSlot.dedupeKey)
        #expect(first.dedupeKey != next.dedupeKey)
    }

    @Test("the decision table of RecordingAccessPolicy")
    func policy() {
        for access in RecordingAccess.allCases {
            #expect(RecordingAccessPolicy.decide(role: .owner, participated: false, access: access) == .allow)
            #expect(RecordingAccessPolicy.decide(role: .host, participated: false, access: access) == .allow)
            #expect(RecordingAccessPolicy.decide(role: nil, participated: false, access: access) == .notFound)
        }
        #expect(RecordingAccessPolicy.decide(role: .attendee, participated: true, access: .hosts) == .forbidden)
        #expect(RecordingAccessPolicy.decide(role: .attendee, participated: false, access: .members) == .allow)
        #expect(RecordingAccessPolicy.decide(role: nil, participated: true, access: .members) == .forbidden)
        #expect(RecordingAccessPolicy.decide(role: nil, participated: true, access: .participants) == .allow)
    }
}
