import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// What a request must look like before a route looks at it (issue #13,
/// items 12 and 15): JSON bodies as application/json, a body where the spec
/// requires one, canonical paths, and no reads of an ended meeting's participants.
@Suite("Request hygiene: media type, required bodies, canonical paths")
struct RequestHygieneTests {
    static let register = #"{"email":"EMAIL","password":"password1","displayName":"Typed"}"#

    @Test("a JSON body under another Content-Type, or none, is 415 unsupported_media_type")
    func mediaType() async throws {
        try await TestApp.run { api in
            for type in ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonx", "text/json"] {
                let body = Self.register.replacingOccurrences(of: "EMAIL", with: TestApp.uniqueEmail())
                let response = try await api.client.execute(
                    uri: "/v1/auth/register", method: .post, headers: [.contentType: type], body: ByteBuffer(string: body))
                response.expectError(.unsupportedMediaType, .unsupportedMediaType)
            }
            let untyped = try await api.client.execute(
                uri: "/v1/auth/register", method: .post, headers: [:],
                body: ByteBuffer(string: Self.register.replacingOccurrences(of: "EMAIL", with: TestApp.uniqueEmail())))
            untyped.expectError(.unsupportedMediaType, .unsupportedMediaType)
            // Parameters and case do not matter.
            for type in ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"] {
                let body = Self.register.replacingOccurrences(of: "EMAIL", with: TestApp.uniqueEmail())
                let response = try await api.client.execute(
                    uri: "/v1/auth/register", method: .post, headers: [.contentType: type], body: ByteBuffer(string: body))
                #expect(response.status == .created, "\(type): \(response.text)")
            }
        }
    }

    @Test("a route whose spec requires a body answers 400 without one; join may go without")
    func requiredBody() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            (try await api.send(.patch, "/v1/meetings/\(meeting.code)", token: owner.accessToken))
                .expectError(.badRequest, .malformedJSON)
            (try await api.send(.patch, "/v1/users/me", token: owner.accessToken)).expectError(.badRequest, .malformedJSON)
            (try await api.send(.post, "/v1/auth/logout")).expectError(.badRequest, .malformedJSON)
            // The meeting was not changed by the empty PATCH.
            let after = try await api.send(.get, "/v1/meetings/\(meeting.code)", token: owner.accessToken)
            #expect(try after.decode(MeetingResponse.self).title == meeting.title)
            // requestBody.required is false for join.
            #expect(try await api.send(.post, "/v1/meetings/\(meeting.code)/join", token: owner.accessToken).status == .ok)
        }
    }

    @Test("non-canonical paths are 404: trailing slash, empty and dot segments")
    func canonicalPaths() async throws {
        let web = try WebClientRoutesTests.makeWebDirectory()
        defer { try? FileManager.default.removeItem(at: web.deletingLastPathComponent()) }
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            let auth = try await api.register()
            #expect(try await api.send(.get, "/app.js").status == .ok)
            #expect(try await api.send(.get, "/v1/users/me", token: auth.accessToken).status == .ok)
            for path in ["/app.js/", "/index.html/", "/abc-defg-hij/", "/v1/users/me/", "/v1/meetings/",
                "/v1//users/me", "/v1/./users/me", "/v1/x/../users/me", "/healthz/"]
            {
                (try await api.send(.get, path, token: auth.accessToken)).expectError(.notFound, .notFound)
            }
        }
    }

    @Test("an ended meeting, its participants, members and messages are 410 Gone; it stays in the list")
    func endedMeetingReads() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let path = "/v1/meetings/\(meeting.code)"
            let reads = [path, "\(path)/participants", "\(path)/members", "\(path)/messages"]
            for read in reads {
                #expect(try await api.send(.get, read, token: owner.accessToken).status == .ok, "\(read)")
            }
            #expect(try await api.send(.delete, path, token: owner.accessToken).status == .noContent)
            for read in reads {
                (try await api.send(.get, read, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            }
            let list = try await api.send(.get, "/v1/meetings", token: owner.accessToken).decode(Page<MeetingResponse>.self)
            #expect(list.items.first { $0.code == meeting.code }?.status == .ended)
        }
    }

    @Test("on an ended meeting a caller who may not act on it gets 403, not whether it ended")
    func endedMeetingAuthorizesFirst() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let path = "/v1/meetings/\(meeting.code)"
            #expect(try await api.send(.delete, path, token: owner.accessToken).status == .noContent)
            for read in ["\(path)/participants", "\(path)/members", "\(path)/messages", "\(path)/bans"] {
                (try await api.send(.get, read, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            }
            (try await api.send(.patch, path, json: ["title": "x"], token: stranger.accessToken))
                .expectError(.forbidden, .forbidden)
            (try await api.send(.get, "\(path)/bans", token: owner.accessToken)).expectError(.gone, .meetingEnded)
        }
    }

    @Test("the route table matches paths segment by segment and lists every method")
    func routeTable() {
        let table = RouteMethodTable([
            (path: "/", method: "GET"), (path: "/{code}", method: "GET"), (path: "/v1/meetings", method: "GET"),
            (path: "/v1/meetings", method: "POST"), (path: "/v1/meetings/{code}", method: "PATCH"),
        ])
        #expect(table.methods(for: "/") == ["GET"])
        #expect(table.methods(for: "/v1/meetings") == ["GET", "POST"])
        #expect(table.methods(for: "/v1/meetings/abc") == ["PATCH"])
        #expect(table.methods(for: "/x") == ["GET"])
        #expect(table.methods(for: "/v1/x/y").isEmpty)
        // A constant segment wins over a parameter, as in the router: PATCH /v1/meetings/upcoming is 405.
        let withConstant = RouteMethodTable([
            (path: "/v1/meetings/{code}", method: "PATCH"), (path: "/v1/meetings/upcoming", method: "GET"),
            (path: "/v1/meetings/{code}/members", method: "GET"),
        ])
        #expect(withConstant.methods(for: "/v1/meetings/upcoming") == ["GET"])
        #expect(withConstant.methods(for: "/v1/meetings/abc") == ["PATCH"])
        #expect(withConstant.methods(for: "/v1/meetings/upcoming/members") == ["GET"])
        #expect(CanonicalPathMiddleware<APIRequestContext>.isCanonical("/"))
        #expect(CanonicalPathMiddleware<APIRequestContext>.isCanonical("/v1/meetings"))
        #expect(!CanonicalPathMiddleware<APIRequestContext>.isCanonical("/v1/meetings/"))
        #expect(!CanonicalPathMiddleware<APIRequestContext>.isCanonical("//"))
    }
}
