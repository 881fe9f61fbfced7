import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import MeetAuth
import MeetCore
import MeetProtocol
import MeetStorage
import Testing
@testable import MeetAPI

/// `POST /v1/recordings/{id}/files/{fileId}/playback` and the URL it
/// returns (docs/dev/recording.md, "Playback URLs"): who may mint one,
/// which tokens the URL refuses, and `Range` on it, from the directory
/// store and from S3 (moto, `MEET_TEST_S3_ENDPOINT`).
@Suite("Recording playback URLs")
struct RecordingPlaybackURLTests {
    /// 1000 bytes, each its offset mod 251, so any range is checkable.
    static let content = Data((0..<1000).map { UInt8($0 % 251) })

    enum Backend: String, CaseIterable, Sendable {
        case directory
        case s3
    }

    /// A stopped recording of a meeting with two video files, both holding ``content``.
    struct Fixture: Sendable {
        var owner: AuthResponse
        var meeting: MeetingResponse
        var recordingId: UUID
        var fileId: UUID
        var otherFileId: UUID
        var mint: String { "/v1/recordings/\(recordingId)/files/\(fileId)/playback" }
        var otherMint: String { "/v1/recordings/\(recordingId)/files/\(otherFileId)/playback" }
    }

    static func s3Configuration() -> S3Configuration? {
        guard let endpoint = ProcessInfo.processInfo.environment["MEET_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            Issue.record("MEET_TEST_S3_ENDPOINT is not set: run the tests through scripts/test")
            return nil
        }
        return S3Configuration(
            endpoint: endpoint, bucket: "meet-test-\(UUID().uuidString.prefix(8).lowercased())", accessKeyID: "test", secretAccessKey: "test")
    }

    static func withFixture(
        _ backend: Backend, presignedOn publicEndpoint: Bool = false, _ test: @Sendable (APIClient, Fixture) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-playback-url-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root + "/m/r", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var s3: S3Configuration?
        var files: [StoredRecordingFile] = []
        switch backend {
        case .directory:
            for name in ["seg0-a-video.webm", "seg0-b-video.webm"] {
                try Self.content.write(to: URL(fileURLWithPath: root + "/m/r/" + name))
                files.append(StoredRecordingFile(id: UUID(), storage: .directory, key: root + "/m/r/" + name, kind: "video", codec: "VP8"))
            }
        case .s3:
            guard let configuration = Self.s3Configuration() else { return }
            s3 = configuration
            let client = try S3Client(configuration: configuration)
            try await client.createBucket()
            for name in ["seg0-a-video.webm", "seg0-b-video.webm"] {
                try await client.put(key: "m/r/" + name, data: Self.content, contentType: "video/webm")
                files.append(StoredRecordingFile(id: UUID(), storage: .s3, key: "m/r/" + name, kind: "video", codec: "VP8"))
            }
        }
        let store = MemoryStore()
        let (listed, s3Configuration) = (files, s3)
        try await TestApp.run(
            {
                $0.recordings.directory = root
                $0.recordings.s3 = s3Configuration
                if publicEndpoint { $0.recordings.s3PublicEndpoint = s3Configuration.flatMap { S3Endpoint($0.endpoint) } }
            }, store: store
        ) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let started = try await api.send(.post, "/v1/meetings/\(meeting.code)/recording", token: owner.accessToken)
                .decode(RecordingResponse.self)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)/recording", token: owner.accessToken).status == .ok)
            await store.transaction { tables in
                let index = tables.recordings.firstIndex { $0.response.id == started.id }!
                tables.recordings[index].files = listed
            }
            try await test(
                api,
                Fixture(owner: owner, meeting: meeting, recordingId: started.id, fileId: listed[0].id, otherFileId: listed[1].id))
        }
    }

    /// Mints a playback URL for `path` with `token`.
    static func mint(_ api: APIClient, _ path: String, token: String?) async throws -> PlaybackURLResponse {
        let response = try await api.send(.post, path, token: token)
        #expect(response.status == .ok, "\(response.text)")
        return try response.decode(PlaybackURLResponse.self)
    }

    static func errorMessage(_ response: TestResponse) -> String {
        (try? response.decode(ErrorBody.self).error.message) ?? response.text
    }

    @Test("the URL plays the file without a bearer token: whole, first bytes, middle, suffix, unsatisfiable", arguments: Backend.allCases)
    func ranges(_ backend: Backend) async throws {
        try await Self.withFixture(backend) { api, fixture in
            let before = Date()
            let minted = try await Self.mint(api, fixture.mint, token: fixture.owner.accessToken)
            #expect(minted.url.hasPrefix(fixture.mint.lowercased() + "?token="))
            // The default lifetime: 300 s (whole seconds, so a second of slack below).
            #expect(minted.expiresAt > before.addingTimeInterval(298) && minted.expiresAt <= Date().addingTimeInterval(300))

            let whole = try await api.send(.get, minted.url)
            #expect(whole.status == .ok, "\(whole.text)")
            #expect(Data(whole.body.readableBytesView) == Self.content)
            #expect(whole.headers[.contentType] == "video/webm")
            #expect(whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.cacheControl] == "private, no-store")
            #expect(whole.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(whole.headers[.contentDisposition]?.hasPrefix("inline; filename=\"recording-") == true)

            for (header, expected, contentRange) in [
                ("bytes=0-99", 0...99, "bytes 0-99/1000"), ("bytes=400-599", 400...599, "bytes 400-599/1000"),
                ("bytes=-100", 900...999, "bytes 900-999/1000"), ("bytes=950-", 950...999, "bytes 950-999/1000"),
            ] {
                let part = try await api.send(.get, minted.url, headers: [("Range", header)])
                #expect(part.status == .partialContent, "\(header): \(part.text)")
                #expect(part.headers[.contentRange] == contentRange)
                #expect(part.headers[.contentLength] == "\(expected.count)")
                #expect(Data(part.body.readableBytesView) == Self.content[expected], "\(header)")
            }
            let beyond = try await api.send(.get, minted.url, headers: [("Range", "bytes=1000-1200")])
            beyond.expectError(.rangeNotSatisfiable, .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */1000")

            let download = try await api.send(.get, minted.url + "&download=1")
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"recording-") == true)
        }
    }

    @Test("MEET_RECORDING_S3_PUBLIC_ENDPOINT: the URL of an S3 file redirects, after the checks, to a presigned GET that S3 serves ranges of")
    func presignedRedirect() async throws {
        try await Self.withFixture(.s3, presignedOn: true) { api, fixture in
            let endpoint = ProcessInfo.processInfo.environment["MEET_TEST_S3_ENDPOINT"] ?? ""
            let minted = try await Self.mint(api, fixture.mint, token: fixture.owner.accessToken)
            let redirect = try await api.send(.get, minted.url)
            #expect(redirect.status == .found, "\(redirect.text)")
            #expect(redirect.headers[.cacheControl] == "private, no-store")
            let location = try #require(redirect.headers[.location])
            #expect(location.hasPrefix(endpoint + "/meet-test-"))
            let query = try #require(URLComponents(string: location)?.queryItems)
            // Valid as long as the playback token is (300 s), and our headers are signed in.
            let expires = try #require(query.first { $0.name == "X-Amz-Expires" }?.value.flatMap(Int.init))
            #expect(expires > 290 && expires <= 300)
            #expect(query.first { $0.name == "response-content-type" }?.value == "video/webm")
            #expect(query.first { $0.name == "response-content-disposition" }?.value?.hasPrefix("inline; filename=\"recording-") == true)
            let download = try #require(try await api.send(.get, minted.url + "&download=1").headers[.location])
            #expect(download.contains("response-content-disposition=attachment"))

            // S3 (moto) serves the presigned URL without credentials: whole and ranged.
            let (whole, wholeResponse) = try await Self.fetch(location)
            #expect(wholeResponse.statusCode == 200)
            #expect(whole == Self.content)
            let (part, partResponse) = try await Self.fetch(location, range: "bytes=400-599")
            #expect(partResponse.statusCode == 206)
            #expect(part == Self.content[400...599])
            #expect(partResponse.value(forHTTPHeaderField: "Content-Type") == "video/webm")

            // The checks still come first: another file's token and a tampered one get no redirect.
            let token = String(minted.url.drop { $0 != "=" }.dropFirst())
            (try await api.send(.get, "\(fixture.otherMint)?token=\(token)")).expectError(.forbidden, .forbidden)
            (try await api.send(.get, "\(fixture.mint)?token=\(token)x")).expectError(.unauthorized, .unauthorized)
        }
        // A file in the directory store is still served by meet-api.
        try await Self.withFixture(.directory, presignedOn: true) { api, fixture in
            let minted = try await Self.mint(api, fixture.mint, token: fixture.owner.accessToken)
            let whole = try await api.send(.get, minted.url)
            #expect(whole.status == .ok)
            #expect(Data(whole.body.readableBytesView) == Self.content)
        }
    }

    /// A GET over HTTP from outside the app (the presigned URL goes to S3, not to meet-api).
    static func fetch(_ url: String, range: String? = nil) async throws -> (Data, HTTPURLResponse) {
        var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 30)
        if let range { request.setValue(range, forHTTPHeaderField: "Range") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, try #require(response as? HTTPURLResponse))
    }

    @Test("minting follows the download rule: owner and hosts always, attendees and participants as recording_access says, strangers never")
    func matrix() async throws {
        try await Self.withFixture(.directory) { api, fixture in
            let code = fixture.meeting.code
            let owner = fixture.owner.accessToken
            let host = try await api.register()
            let attendee = try await api.register()
            let participant = try await api.register()
            let stranger = try await api.register()
            _ = try await api.addMember(code, token: owner, email: host.user.email, role: .host)
            _ = try await api.addMember(code, token: owner, email: attendee.user.email, role: .attendee)
            #expect(try await api.join(code, token: participant.accessToken).status == .ok)
            func setAccess(_ access: RecordingAccess) async throws {
                let response = try await api.send(.put, "/v1/meetings/\(code)/recording-access", json: RecordingAccessBody(access: access), token: owner)
                #expect(response.status == .ok)
            }
            // (owner, host, attendee, participant, stranger) per setting, the same as GET …/files/{fileId}.
            let expected: [RecordingAccess: [Int]] = [
                .hosts: [200, 200, 403, 403, 404],
                .members: [200, 200, 200, 403, 404],
                .participants: [200, 200, 200, 200, 404],
            ]
            for access in RecordingAccess.allCases {
                try await setAccess(access)
                var got: [Int] = []
                for token in [owner, host.accessToken, attendee.accessToken, participant.accessToken, stranger.accessToken] {
                    let response = try await api.send(.post, fixture.mint, token: token)
                    got.append(Int(response.status.code))
                    if response.status == .ok {
                        // And the URL plays for them.
                        let url = try response.decode(PlaybackURLResponse.self).url
                        #expect(try await api.send(.get, url).status == .ok, "\(access)")
                    }
                }
                #expect(got == expected[access], "\(access)")
                (try await api.send(.post, fixture.mint)).expectError(.unauthorized, .unauthorized)
            }
            (try await api.send(.post, "/v1/recordings/\(fixture.recordingId)/files/\(UUID())/playback", token: owner))
                .expectError(.notFound, .notFound)

            // Checked again at each request: an attendee's URL stops when the meeting narrows access to hosts.
            try await setAccess(.members)
            let url = try await Self.mint(api, fixture.mint, token: attendee.accessToken).url
            #expect(try await api.send(.get, url, headers: [("Range", "bytes=0-9")]).status == .partialContent)
            try await setAccess(.hosts)
            (try await api.send(.get, url, headers: [("Range", "bytes=0-9")])).expectError(.forbidden, .forbidden)
        }
    }

    @Test("expired, tampered, missing, foreign and wrong-file tokens are refused, and a deleted recording is gone")
    func refused() async throws {
        try await Self.withFixture(.directory) { api, fixture in
            let owner = fixture.owner
            let minted = try await Self.mint(api, fixture.mint, token: owner.accessToken)
            let path = String(minted.url.prefix { $0 != "?" })
            let token = String(minted.url.drop { $0 != "=" }.dropFirst())

            // Expired: signed by the same key an hour ago for five minutes.
            let past = try await TestApp.tokenService(now: { Date().addingTimeInterval(-3600) })
            let old = try await past.makePlaybackToken(
                recordingId: fixture.recordingId, fileId: fixture.fileId, userId: owner.user.id, ttl: .seconds(300))
            let expired = try await api.send(.get, "\(path)?token=\(old.token)")
            expired.expectError(.unauthorized, .unauthorized)
            #expect(Self.errorMessage(expired).contains("expired"))

            // Tampered: one character of the payload changed (the signature no longer matches).
            var parts = token.split(separator: ".").map(String.init)
            var payload = Array(parts[1])
            payload[payload.count / 2] = payload[payload.count / 2] == "A" ? "B" : "A"
            parts[1] = String(payload)
            let tampered = try await api.send(.get, "\(path)?token=\(parts.joined(separator: "."))")
            tampered.expectError(.unauthorized, .unauthorized)
            #expect(Self.errorMessage(tampered).contains("not valid"))

            // Another key's token, an access token, no token at all.
            let foreign = await TokenService(configuration: try JWTConfiguration(secret: String(repeating: "x", count: 40)))
            let forged = try await foreign.makePlaybackToken(
                recordingId: fixture.recordingId, fileId: fixture.fileId, userId: owner.user.id, ttl: .seconds(300))
            (try await api.send(.get, "\(path)?token=\(forged.token)")).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "\(path)?token=\(owner.accessToken)")).expectError(.unauthorized, .unauthorized)
            let missing = try await api.send(.get, path)
            missing.expectError(.unauthorized, .unauthorized)
            #expect(Self.errorMessage(missing).contains("token is required"))
            // …nor does a bearer token stand in for it.
            (try await api.send(.get, path, token: owner.accessToken)).expectError(.unauthorized, .unauthorized)
            // And the other way: a playback token is no bearer token anywhere else.
            (try await api.send(.get, "/v1/users/me", token: token)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "/v1/recordings/\(fixture.recordingId)", token: token)).expectError(.unauthorized, .unauthorized)

            // A token for one file does not open the other of the same recording.
            let wrongFile = try await api.send(.get, "\(fixture.otherMint)?token=\(token)")
            wrongFile.expectError(.forbidden, .forbidden)
            #expect(Self.errorMessage(wrongFile).contains("another recording file"))
            #expect(try await api.send(.get, minted.url).status == .ok)

            // Deleted: the URL, still unexpired, finds nothing.
            #expect(try await api.send(.delete, "/v1/recordings/\(fixture.recordingId)", token: owner.accessToken).status == .noContent)
            (try await api.send(.get, minted.url)).expectError(.notFound, .notFound)
        }
    }

    @Test("MEET_RECORDING_PLAYBACK_URL_SECONDS sets the lifetime, within 10 s – 1 day")
    func configuration() throws {
        let set = try RecordingStorageConfiguration(environment: EnvironmentReader(["MEET_RECORDING_PLAYBACK_URL_SECONDS": "60"]))
        #expect(set.playbackURLTTL == .seconds(60))
        #expect(try RecordingStorageConfiguration(environment: EnvironmentReader([:])).playbackURLTTL == .seconds(300))
        #expect(throws: ConfigurationError.self) {
            try RecordingStorageConfiguration(environment: EnvironmentReader(["MEET_RECORDING_PLAYBACK_URL_SECONDS": "5"]))
        }
        // The presigned redirect needs S3 and an http(s) URL.
        let s3: [String: String] = [
            "MEET_RECORDING_STORAGE": "s3", "MEET_RECORDING_S3_ENDPOINT": "http://minio:9000", "MEET_RECORDING_S3_BUCKET": "b",
            "MEET_RECORDING_S3_ACCESS_KEY_ID": "k", "MEET_RECORDING_S3_SECRET_ACCESS_KEY": "s",
        ]
        let presigned = try RecordingStorageConfiguration(
            environment: EnvironmentReader(s3.merging(["MEET_RECORDING_S3_PUBLIC_ENDPOINT": "https://files.example.com"]) { $1 }))
        #expect(presigned.s3PublicEndpoint?.origin == "https://files.example.com")
        #expect(try RecordingStorageConfiguration(environment: EnvironmentReader(s3)).s3PublicEndpoint == nil)
        #expect(throws: ConfigurationError.self) {
            try RecordingStorageConfiguration(environment: EnvironmentReader(["MEET_RECORDING_S3_PUBLIC_ENDPOINT": "https://files.example.com"]))
        }
        #expect(throws: ConfigurationError.self) {
            try RecordingStorageConfiguration(
                environment: EnvironmentReader(s3.merging(["MEET_RECORDING_S3_PUBLIC_ENDPOINT": "files.example.com"]) { $1 }))
        }
        #expect(throws: ConfigurationError.self) {
            try RecordingStorageConfiguration(
                environment: EnvironmentReader(s3.merging(["MEET_RECORDING_S3_PUBLIC_ENDPOINT": "https://cdn.example.com/s3"]) { $1 }))
        }
    }
}
