import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// `POST /v1/meetings/{code}/attachments` and `GET …/attachments/{id}`
/// (issue #21, item 6) on in-memory storage with a temporary directory
/// store: the size limit (announced and streamed), what is stored of the
/// name and type, the download headers, and who may upload and download
/// what. Against PostgreSQL, meet-ws and S3: Tests/e2e/test_file_sharing.py and test_browser_files.py.
@Suite("Chat attachments")
struct AttachmentRoutesTests {
    static let limit: Int64 = 1000
    /// What one meeting's files may total here.
    static let meetingLimit: Int64 = 2500

    /// A meeting with an owner (a member, no seat) and three guests seated in it.
    struct Fixture: Sendable {
        var owner: AuthResponse
        var meeting: MeetingResponse
        var a: JoinResponse
        var b: JoinResponse
        var c: JoinResponse
        var root: String
    }

    static func withFixture(_ test: @Sendable (APIClient, MemoryStore, Fixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-attachments-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = MemoryStore()
        try await TestApp.run({
            $0.recordings.directory = root
            $0.attachments.maxBytes = Self.limit
            $0.attachments.meetingMaxBytes = Self.meetingLimit
        }, store: store) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            var seats: [JoinResponse] = []
            for name in ["A", "B", "C"] {
                seats.append(try await api.join(meeting.code, JoinRequest(displayName: name)).decode(JoinResponse.self))
            }
            try await test(api, store, Fixture(owner: owner, meeting: meeting, a: seats[0], b: seats[1], c: seats[2], root: root))
        }
    }

    static func upload(
        _ api: APIClient, _ code: String, token: String?, bytes: Data, name: String = "notes.txt", type: String? = "text/plain",
        announce: Bool = true
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let type { headers[.contentType] = type }
        if announce { headers[.contentLength] = String(bytes.count) }
        let query = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await api.client.execute(
            uri: "/v1/meetings/\(code)/attachments?name=\(query)", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// Sends `attachment` with a message from `sender` (what meet-ws does on `chat`).
    static func send(_ attachment: UUID, from sender: JoinResponse, to recipient: UUID? = nil, store: MemoryStore, meetingId: UUID) async {
        await store.transaction { tables in
            let id = Int64(tables.messages.count + 1)
            tables.messages.append(
                MemoryTables.Message(
                    meetingId: meetingId,
                    record: MessageRecord(
                        id: id, participantId: sender.participant.id, userId: nil, displayName: "x", body: "", createdAt: Date(),
                        toParticipantId: recipient)))
            tables.attachments[attachment]?.messageId = id
        }
    }

    static func files(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { !$0.hasSuffix("/") }
            .filter { path in
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &directory) && !directory.boolValue
            }
    }

    @Test("the limit: at it stored, past it 413 whether announced or streamed, and nothing left behind")
    func limit() async throws {
        try await Self.withFixture { api, _, fixture in
            let code = fixture.meeting.code
            let exact = Data(repeating: 7, count: Int(Self.limit))
            let stored = try await Self.upload(api, code, token: fixture.a.joinToken, bytes: exact)
            #expect(stored.status == .created, "\(stored.text)")
            #expect(try stored.decode(ChatAttachment.self).size == Self.limit)
            let over = Data(repeating: 7, count: Int(Self.limit) + 1)
            (try await Self.upload(api, code, token: fixture.a.joinToken, bytes: over)).expectError(.contentTooLarge, .payloadTooLarge)
            (try await Self.upload(api, code, token: fixture.a.joinToken, bytes: over, announce: false))
                .expectError(.contentTooLarge, .payloadTooLarge)
            #expect(Self.files(fixture.root).count == 1, "\(Self.files(fixture.root))")
        }
    }

    @Test("the meeting's total: an upload past what is left gets 413 naming MEET_ATTACHMENT_MEETING_MAX_BYTES, announced or streamed, and keeps nothing")
    func meetingTotal() async throws {
        try await Self.withFixture { api, store, fixture in
            let code = fixture.meeting.code
            let full = Data(repeating: 1, count: Int(Self.limit))
            for seat in [fixture.a, fixture.b] {
                #expect(try await Self.upload(api, code, token: seat.joinToken, bytes: full).status == .created)
            }
            // 2000 of 2500 used: 600 more is within the file limit but not the meeting's.
            let over = Data(repeating: 2, count: 600)
            for announce in [true, false] {
                let refused = try await Self.upload(api, code, token: fixture.c.joinToken, bytes: over, announce: announce)
                refused.expectError(.contentTooLarge, .payloadTooLarge)
                #expect(refused.text.contains("MEET_ATTACHMENT_MEETING_MAX_BYTES"), "\(refused.text)")
            }
            #expect(Self.files(fixture.root).count == 2, "\(Self.files(fixture.root))")
            // What is left still fits.
            let rest = Data(repeating: 3, count: 500)
            #expect(try await Self.upload(api, code, token: fixture.c.joinToken, bytes: rest).status == .created)
            let total = await store.transaction { $0.attachments.values.reduce(Int64(0)) { $0 + $1.size } }
            #expect(total == Self.meetingLimit)
            (try await Self.upload(api, code, token: fixture.c.joinToken, bytes: Data("x".utf8))).expectError(.contentTooLarge, .payloadTooLarge)
        }
    }

    @Test("the name loses its path, control and bidi characters; the type keeps only a plain type/subtype")
    func sanitized() async throws {
        try await Self.withFixture { api, _, fixture in
            let code = fixture.meeting.code
            let token = fixture.a.joinToken
            let odd = try await Self.upload(api, code, token: token, bytes: Data("x".utf8), name: "../../etc/\u{202E}gpj.exe\u{1}", type: "Text/HTML; charset=utf-8")
                .decode(ChatAttachment.self)
            #expect(odd.name == "gpj.exe")
            #expect(odd.contentType == "text/html")
            let plain = try await Self.upload(api, code, token: token, bytes: Data("x".utf8), name: "", type: "not a type")
                .decode(ChatAttachment.self)
            #expect(plain.name == "file")
            #expect(plain.contentType == "application/octet-stream")
            #expect(AttachmentNames.name("..hidden") == "hidden")
            #expect(AttachmentNames.contentDisposition("report.pdf") == "attachment; filename=\"report.pdf\"")
            #expect(
                AttachmentNames.contentDisposition("résumé \"final\".pdf")
                    == "attachment; filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf")
        }
    }

    @Test("who may upload: a seat of this meeting; 401 without a token, 403 for an account without a seat or another meeting's seat")
    func uploaders() async throws {
        try await Self.withFixture { api, _, fixture in
            let code = fixture.meeting.code
            let bytes = Data("hi".utf8)
            (try await Self.upload(api, code, token: nil, bytes: bytes)).expectError(.unauthorized, .unauthorized)
            (try await Self.upload(api, code, token: fixture.owner.accessToken, bytes: bytes)).expectError(.forbidden, .forbidden)
            let other = try await api.createMeeting(token: fixture.owner.accessToken, title: "Other")
            let elsewhere = try await api.join(other.code, JoinRequest(displayName: "E")).decode(JoinResponse.self)
            (try await Self.upload(api, code, token: elsewhere.joinToken, bytes: bytes)).expectError(.forbidden, .forbidden)
            (try await Self.upload(api, "zzz-zzzz-zzz", token: fixture.a.joinToken, bytes: bytes)).expectError(.notFound, .notFound)
            #expect(try await Self.upload(api, code, token: fixture.a.joinToken, bytes: bytes).status == .created)
        }
    }

    @Test("who may download: the message's readers, on its visibility; the headers of a download; ranges")
    func downloaders() async throws {
        try await Self.withFixture { api, store, fixture in
            let code = fixture.meeting.code
            let bytes = Data((0..<300).map { UInt8($0 % 251) })
            let shared = try await Self.upload(api, code, token: fixture.a.joinToken, bytes: bytes, name: "data.bin", type: "text/html")
                .decode(ChatAttachment.self)
            let secret = try await Self.upload(api, code, token: fixture.a.joinToken, bytes: bytes).decode(ChatAttachment.self)
            let path = { (id: UUID) in "/v1/meetings/\(code)/attachments/\(id)" }
            // Not sent yet: nobody, the uploader included.
            (try await api.send(.get, path(shared.id), token: fixture.a.joinToken)).expectError(.notFound, .notFound)

            await Self.send(shared.id, from: fixture.a, store: store, meetingId: fixture.meeting.id)
            await Self.send(secret.id, from: fixture.a, to: fixture.b.participant.id, store: store, meetingId: fixture.meeting.id)
            for token in [fixture.a.joinToken, fixture.b.joinToken, fixture.c.joinToken, fixture.owner.accessToken] {
                let got = try await api.send(.get, path(shared.id), token: token)
                #expect(got.status == .ok)
                #expect(Data(got.body.readableBytesView) == bytes)
            }
            let got = try await api.send(.get, path(shared.id), token: fixture.b.joinToken)
            #expect(got.headers[.contentType] == "text/html")
            #expect(got.headers[.contentDisposition] == "attachment; filename=\"data.bin\"")
            #expect(got.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(got.headers[.contentSecurityPolicy] == "default-src 'none'; sandbox")
            #expect(got.headers[.cacheControl] == "private, no-store")
            let part = try await api.send(.get, path(shared.id), token: fixture.b.joinToken, headers: [("Range", "bytes=10-19")])
            #expect(part.status == .partialContent)
            #expect(Data(part.body.readableBytesView) == bytes[10...19])

            // A private message's file: its sender and recipient only (not the third, not the owner).
            for token in [fixture.a.joinToken, fixture.b.joinToken] {
                #expect(try await api.send(.get, path(secret.id), token: token).status == .ok)
            }
            for token in [fixture.c.joinToken, fixture.owner.accessToken] {
                (try await api.send(.get, path(secret.id), token: token)).expectError(.notFound, .notFound)
            }
            // Outside the meeting: 401 without a token, 403 for a stranger or another meeting's seat.
            (try await api.send(.get, path(shared.id))).expectError(.unauthorized, .unauthorized)
            let stranger = try await api.register()
            (try await api.send(.get, path(shared.id), token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            let other = try await api.createMeeting(token: stranger.accessToken, title: "Other")
            let elsewhere = try await api.join(other.code, JoinRequest(displayName: "E")).decode(JoinResponse.self)
            (try await api.send(.get, path(shared.id), token: elsewhere.joinToken)).expectError(.forbidden, .forbidden)
            // The same id under another meeting's code is not found there.
            (try await api.send(.get, "/v1/meetings/\(other.code)/attachments/\(shared.id)", token: elsewhere.joinToken))
                .expectError(.notFound, .notFound)
            // The history carries the file.
            let history = try await api.send(.get, "/v1/meetings/\(code)/messages", token: fixture.c.joinToken).decode(Page<MessageResponse>.self)
            #expect(history.items.compactMap(\.attachment) == [shared])
        }
    }

    @Test("the sweep deletes unsent uploads after an hour (file first, then row) and keeps sent ones")
    func sweep() async throws {
        try await Self.withFixture { api, store, fixture in
            let code = fixture.meeting.code
            let sent = try await Self.upload(api, code, token: fixture.a.joinToken, bytes: Data("s".utf8)).decode(ChatAttachment.self)
            #expect(try await Self.upload(api, code, token: fixture.a.joinToken, bytes: Data("u".utf8)).status == .created)
            await Self.send(sent.id, from: fixture.a, store: store, meetingId: fixture.meeting.id)
            let cleanup = AttachmentCleanup(
                attachments: MemoryAttachmentRepository(store: store),
                stores: RecordingStores(configuration: RecordingStorageConfiguration(directory: fixture.root)))
            #expect(try await cleanup.sweep(now: Date()) == 0)
            #expect(try await cleanup.sweep(now: Date().addingTimeInterval(3601)) == 1)
            let left = await store.transaction { Set($0.attachments.keys) }
            #expect(left == [sent.id])
            #expect(Self.files(fixture.root).count == 1)
        }
    }
}
