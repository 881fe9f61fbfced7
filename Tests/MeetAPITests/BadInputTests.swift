import Foundation
import Hummingbird
import HummingbirdTesting
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

/// Throws everything unpleasant at every route and checks that each answer
/// is the documented status with a JSON error body, never a 500.
@Suite("Bad input battery over every route")
struct BadInputTests {
    /// How a JSON field is typed, to know what a wrong type is.
    enum Kind { case string, bool, int, uuid, role }

    /// A route that reads a JSON body.
    struct BodyRoute {
        let method: HTTPRequest.Method
        let path: String
        let token: String?
        /// A valid body.
        let template: [String: Any]
        let kinds: [String: Kind]
        let required: [String]
    }

    /// Values that must be handled as plain data wherever a string goes.
    static let nastyStrings = [
        "'; DROP TABLE users; --",
        "Robert'); DELETE FROM meetings; --",
        "\" OR 1=1 --",
        "%' OR '%'='",
        "$1 $2 \\x00",
        "𝕳𝖊𝖑𝖑𝖔 🎉 \u{202E}evil\u{202C}",
        "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
        "\u{0}",
        "a\u{0}b",
        "\u{7}\u{1B}[31m",
        "",
        String(repeating: "x", count: 5000),
        String(repeating: "é", count: 300),
    ]

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func wrongValue(for kind: Kind) -> Any {
        switch kind {
        case .string: 12345
        case .bool: "yes"
        case .int: "ten"
        case .uuid: "not-a-uuid"
        case .role: "superuser"
        }
    }

    /// Every body route, against a live fixture (owner, meeting, one member).
    static func bodyRoutes(owner: AuthResponse, code: String, memberId: UUID) -> [BodyRoute] {
        [
            BodyRoute(
                method: .post, path: "/v1/auth/register", token: nil,
                template: ["email": TestApp.uniqueEmail(), "password": "password1", "displayName": "Battery"],
                kinds: ["email": .string, "password": .string, "displayName": .string],
                required: ["email", "password", "displayName"]
            ),
            BodyRoute(
                method: .post, path: "/v1/auth/login", token: nil,
                template: ["email": owner.user.email, "password": "password1"],
                kinds: ["email": .string, "password": .string], required: ["email", "password"]
            ),
            BodyRoute(
                method: .post, path: "/v1/auth/refresh", token: nil, template: ["refreshToken": OpaqueToken.generate()],
                kinds: ["refreshToken": .string], required: ["refreshToken"]
            ),
            BodyRoute(
                method: .post, path: "/v1/auth/logout", token: nil, template: ["refreshToken": OpaqueToken.generate()],
                kinds: ["refreshToken": .string], required: ["refreshToken"]
            ),
            BodyRoute(
                method: .patch, path: "/v1/users/me", token: owner.accessToken,
                template: ["displayName": "Battery Owner"],
                kinds: ["displayName": .string, "password": .string, "currentPassword": .string], required: []
            ),
            BodyRoute(
                method: .post, path: "/v1/meetings", token: owner.accessToken,
                template: ["title": "Battery meeting", "password": "secret-1", "waitingRoom": false, "capacity": 10],
                kinds: ["title": .string, "password": .string, "waitingRoom": .bool, "capacity": .int], required: ["title"]
            ),
            BodyRoute(
                method: .patch, path: "/v1/meetings/\(code)", token: owner.accessToken, template: ["title": "Battery meeting"],
                kinds: ["title": .string, "password": .string, "waitingRoom": .bool, "capacity": .int], required: []
            ),
            BodyRoute(
                method: .post, path: "/v1/meetings/\(code)/members", token: owner.accessToken,
                template: ["userId": memberId.uuidString, "role": "attendee"],
                kinds: ["userId": .uuid, "email": .string, "role": .role], required: []
            ),
            BodyRoute(
                method: .patch, path: "/v1/meetings/\(code)/members/\(memberId)", token: owner.accessToken,
                template: ["role": "host"], kinds: ["role": .role], required: ["role"]
            ),
            BodyRoute(
                method: .post, path: "/v1/meetings/\(code)/join", token: nil, template: ["displayName": "Battery guest"],
                kinds: ["displayName": .string, "password": .string], required: []
            ),
        ]
    }

    /// Every authenticated route, for the token checks.
    static func authenticatedRoutes(code: String, memberId: UUID) -> [(HTTPRequest.Method, String)] {
        [
            (.get, "/v1/users/me"), (.patch, "/v1/users/me"),
            (.post, "/v1/meetings"), (.get, "/v1/meetings"),
            (.get, "/v1/meetings/\(code)"), (.patch, "/v1/meetings/\(code)"), (.delete, "/v1/meetings/\(code)"),
            (.get, "/v1/meetings/\(code)/members"), (.post, "/v1/meetings/\(code)/members"),
            (.patch, "/v1/meetings/\(code)/members/\(memberId)"), (.delete, "/v1/meetings/\(code)/members/\(memberId)"),
            (.get, "/v1/meetings/\(code)/participants"), (.get, "/v1/meetings/\(code)/messages"),
        ]
    }

    struct Fixture: Sendable {
        let owner: AuthResponse
        let code: String
        let memberId: UUID
    }

    static func fixture(_ api: APIClient) async throws -> Fixture {
        let owner = try await api.register(password: "password1")
        let member = try await api.register()
        let meeting = try await api.createMeeting(token: owner.accessToken)
        _ = try await api.addMember(meeting.code, token: owner.accessToken, email: member.user.email, role: .attendee)
        return Fixture(owner: owner, code: meeting.code, memberId: member.user.id)
    }

    @Test("malformed JSON, non-objects and invalid UTF-8 are 400 malformed_json")
    func malformed() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            for route in Self.bodyRoutes(owner: f.owner, code: f.code, memberId: f.memberId) {
                for raw in [#"{"email": "#, "{", "nul", "[1, 2, 3]", "\"just a string\"", "42", "{'single': 'quotes'}", "{\"a\":1,,}", "{\"a\":1}garbage", "{\"a\":NaN}"] {
                    let response = try await api.send(route.method, route.path, raw: raw, token: route.token)
                    response.expectError(.badRequest, .malformedJSON)
                }
                var headers: HTTPFields = [.contentType: "application/json"]
                if let token = route.token { headers[.authorization] = "Bearer \(token)" }
                let invalidUTF8 = try await api.client.execute(
                    uri: route.path, method: route.method,
                    headers: headers,
                    body: ByteBuffer(bytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])
                )
                invalidUTF8.expectError(.badRequest, .malformedJSON)
                let deep = String(repeating: "[", count: 4000) + String(repeating: "]", count: 4000)
                let deepResponse = try await api.send(route.method, route.path, raw: deep, token: route.token)
                deepResponse.expectError(.badRequest, .malformedJSON)
            }
        }
    }

    @Test("wrong types and missing fields are 422 naming the field")
    func wrongTypesAndMissing() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            for route in Self.bodyRoutes(owner: f.owner, code: f.code, memberId: f.memberId) {
                for (field, kind) in route.kinds {
                    var body = route.template
                    body[field] = Self.wrongValue(for: kind)
                    let response = try await api.send(route.method, route.path, raw: Self.json(body), token: route.token)
                    response.expectError(.unprocessableContent, .validationFailed, field: field)
                }
                for field in route.required {
                    var body = route.template
                    body[field] = nil
                    let missing = try await api.send(route.method, route.path, raw: Self.json(body), token: route.token)
                    missing.expectError(.unprocessableContent, .validationFailed, field: field)
                    body[field] = NSNull()
                    let null = try await api.send(route.method, route.path, raw: Self.json(body), token: route.token)
                    null.expectError(.unprocessableContent, .validationFailed, field: field)
                }
            }
        }
    }

    @Test("bodies over the limit are 413, with or without Content-Length")
    func huge() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            let padding = String(repeating: "a", count: 20 * 1024)
            for route in Self.bodyRoutes(owner: f.owner, code: f.code, memberId: f.memberId) {
                var body = route.template
                body["padding"] = padding
                let raw = Self.json(body)
                let response = try await api.send(route.method, route.path, raw: raw, token: route.token)
                response.expectError(.contentTooLarge, .payloadTooLarge)
                let declared = try await api.send(
                    route.method, route.path, raw: raw, token: route.token, headers: [("Content-Length", String(raw.utf8.count))]
                )
                declared.expectError(.contentTooLarge, .payloadTooLarge)
            }
        }
    }

    @Test("unicode and SQL metacharacters in every string field are data, never a 500")
    func nastyStrings() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            for route in Self.bodyRoutes(owner: f.owner, code: f.code, memberId: f.memberId) {
                for (field, kind) in route.kinds where kind == .string {
                    for value in Self.nastyStrings {
                        var body = route.template
                        body[field] = value
                        if route.path == "/v1/auth/register" && field != "email" {
                            body["email"] = TestApp.uniqueEmail()
                        }
                        let response = try await api.send(route.method, route.path, raw: Self.json(body), token: route.token)
                        #expect(response.status.code < 500, "\(route.method) \(route.path) \(field)=\(value.prefix(40)): \(response.text)")
                        if response.status.code >= 400 {
                            #expect((try? response.decode(ErrorBody.self)) != nil, "not an error body: \(response.text)")
                        }
                    }
                }
            }
            // The tables are intact and the strings round-trip exactly.
            let evil = "Robert'); DROP TABLE users; -- 𝕳🎉"
            let auth = try await api.register(displayName: evil)
            #expect(auth.user.displayName == evil)
            let meeting = try await api.createMeeting(token: auth.accessToken, title: evil)
            #expect(meeting.title == evil)
            let joined = try await api.join(meeting.code, JoinRequest(displayName: "'; DELETE FROM participants; --"))
            #expect(joined.status == .ok)
        }
    }

    @Test("validation rules name the field")
    func validation() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            let cases: [(String, String, String, String?)] = [
                ("/v1/auth/register", #"{"email":"no-at-sign","password":"password1","displayName":"X"}"#, "email", nil),
                ("/v1/auth/register", #"{"email":"a@b.c","password":"short","displayName":"X"}"#, "password", nil),
                ("/v1/auth/register", "{\"email\":\"a@b.c\",\"password\":\"\(String(repeating: "p", count: 73))\",\"displayName\":\"X\"}", "password", nil),
                ("/v1/auth/register", #"{"email":"a@b.c","password":"password1","displayName":""}"#, "displayName", nil),
                ("/v1/auth/register", #"{"email":"a@b.c","password":"password1","displayName":"tab\there"}"#, "displayName", nil),
                ("/v1/meetings", #"{"title":"ab"}"#, "title", f.owner.accessToken),
                ("/v1/meetings", "{\"title\":\"\(String(repeating: "t", count: 121))\"}", "title", f.owner.accessToken),
                ("/v1/meetings", #"{"title":"Fine title","password":"12345"}"#, "password", f.owner.accessToken),
                ("/v1/meetings", #"{"title":"Fine title","capacity":0}"#, "capacity", f.owner.accessToken),
                ("/v1/meetings", #"{"title":"Fine title","capacity":10001}"#, "capacity", f.owner.accessToken),
                ("/v1/meetings", #"{"title":"Fine title","capacity":99999999999999999999999}"#, "capacity", f.owner.accessToken),
                ("/v1/meetings", #"{"title":"Fine title","capacity":2.5}"#, "capacity", f.owner.accessToken),
            ]
            for (path, raw, field, token) in cases {
                let response = try await api.send(.post, path, raw: raw, token: token)
                response.expectError(.unprocessableContent, .validationFailed, field: field)
            }
        }
    }

    @Test("missing, forged, expired, malformed tokens on every authenticated route are 401")
    func tokens() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            let past = try await TestApp.tokenService { Date().addingTimeInterval(-7200) }
            let expired = try await past.makeAccessToken(userId: f.owner.user.id).token
            let forger = await TokenService(configuration: try JWTConfiguration(secret: String(repeating: "k", count: 48)))
            let forged = try await forger.makeAccessToken(userId: f.owner.user.id).token
            let noneAlg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwidHlwIjoiYWNjZXNzIn0."
            let badHeaders: [[(String, String)]] = [
                [],
                [("Authorization", "Bearer \(expired)")],
                [("Authorization", "Bearer \(forged)")],
                [("Authorization", "Bearer \(noneAlg)")],
                [("Authorization", "Bearer ' OR 1=1 --")],
                [("Authorization", "Bearer")],
                [("Authorization", "Token \(f.owner.accessToken)")],
                [("Authorization", "Bearer \(String(repeating: "A", count: 9000))")],
                [("Authorization", "Bearer \(f.owner.refreshToken)")],
            ]
            for (method, path) in Self.authenticatedRoutes(code: f.code, memberId: f.memberId) {
                for headers in badHeaders {
                    let response = try await api.send(method, path, raw: "{}", headers: headers)
                    response.expectError(.unauthorized, .unauthorized)
                }
            }
            // Join accepts no token (guest), but a bad one is still 401.
            for headers in badHeaders.dropFirst() {
                let response = try await api.send(.post, "/v1/meetings/\(f.code)/join", raw: #"{"displayName":"G"}"#, headers: headers)
                response.expectError(.unauthorized, .unauthorized)
            }
        }
    }

    @Test("hostile path segments and query parameters are 404 or 422, never 500")
    func pathsAndQueries() async throws {
        try await TestApp.run { api in
            let f = try await Self.fixture(api)
            let token = f.owner.accessToken
            let codes = ["abc-defg-hi%27", "%27%3B%20DROP%20TABLE%20meetings%3B--", "%F0%9F%8E%89", "ABC-DEFG-HIJ", "abc-defg-hij-klm", "%00"]
            for code in codes {
                for (method, suffix) in [(HTTPRequest.Method.get, ""), (.patch, ""), (.delete, ""), (.get, "/members"),
                                         (.post, "/members"), (.post, "/join"), (.get, "/participants"), (.get, "/messages")] {
                    let response = try await api.send(method, "/v1/meetings/\(code)\(suffix)", raw: #"{"displayName":"G","role":"host"}"#, token: token)
                    response.expectError(.notFound, .notFound)
                }
            }
            for userId in ["1%27%20OR%201%3D1", "not-a-uuid", UUID().uuidString] {
                let response = try await api.send(.delete, "/v1/meetings/\(f.code)/members/\(userId)", token: token)
                response.expectError(.notFound, .notFound)
            }
            for query in ["limit=-1", "limit=abc", "limit=0", "limit=101", "limit=99999999999999999999999", "cursor=%27%3B--", "cursor=%F0%9F%8E%89"] {
                let response = try await api.send(.get, "/v1/meetings?\(query)", token: token)
                response.expectError(.unprocessableContent, .validationFailed)
            }
            for query in ["limit=-5", "limit=201", "cursor=-1", "cursor=1e9", "cursor=%27"] {
                let response = try await api.send(.get, "/v1/meetings/\(f.code)/messages?\(query)", token: token)
                response.expectError(.unprocessableContent, .validationFailed)
            }
        }
    }
}
