import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing

/// Thin helpers over Hummingbird's test client: JSON in, JSON out.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Sends a raw body (or none).
    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        raw: String? = nil,
        token: String? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if raw != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        for (name, value) in extra {
            headers.append(.init(name: .init(name)!, value: value))
        }
        return try await self.client.execute(
            uri: path, method: method, headers: headers, body: raw.map { ByteBuffer(string: $0) }
        )
    }

    /// Sends `body` encoded as JSON.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        json body: some Encodable,
        token: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        let data = try Self.encoder.encode(body)
        return try await self.send(method, path, raw: String(decoding: data, as: UTF8.self), token: token, headers: headers)
    }

    // MARK: Common steps

    func register(
        email: String = TestApp.uniqueEmail(),
        password: String = "password1",
        displayName: String = "Test User"
    ) async throws -> AuthResponse {
        let response = try await self.send(
            .post, "/v1/auth/register", json: RegisterRequest(email: email, password: password, displayName: displayName)
        )
        #expect(response.status == .created, "register: \(response.text)")
        return try response.decode(AuthResponse.self)
    }

    func createMeeting(
        token: String,
        title: String = "Weekly sync",
        password: String? = nil,
        waitingRoom: Bool? = nil,
        capacity: Int? = nil
    ) async throws -> MeetingResponse {
        let response = try await self.send(
            .post, "/v1/meetings",
            json: CreateMeetingRequest(title: title, password: password, waitingRoom: waitingRoom, capacity: capacity),
            token: token
        )
        #expect(response.status == .created, "create meeting: \(response.text)")
        return try response.decode(MeetingResponse.self)
    }

    func join(_ code: String, token: String? = nil, _ body: JoinRequest = JoinRequest()) async throws -> TestResponse {
        try await self.send(.post, "/v1/meetings/\(code)/join", json: body, token: token)
    }

    func addMember(_ code: String, token: String, email: String, role: MemberRole) async throws -> MemberResponse {
        let response = try await self.send(
            .post, "/v1/meetings/\(code)/members", json: AddMemberRequest(email: email, role: role), token: token
        )
        #expect(response.status == .created, "add member: \(response.text)")
        return try response.decode(MemberResponse.self)
    }
}

extension TestResponse {
    var text: String { String(buffer: self.body) }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try APIClient.decoder.decode(Value.self, from: Data(self.body.readableBytesView))
    }

    /// Asserts a JSON error body with this status and code (and field, if given).
    func expectError(
        _ status: HTTPResponse.Status,
        _ code: ErrorCode,
        field: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "body: \(self.text)", sourceLocation: sourceLocation)
        guard let body = try? self.decode(ErrorBody.self) else {
            Issue.record("not an error body: \(self.text)", sourceLocation: sourceLocation)
            return
        }
        #expect(body.error.code == code, "body: \(self.text)", sourceLocation: sourceLocation)
        #expect(!body.error.message.isEmpty, sourceLocation: sourceLocation)
        if let field {
            #expect(body.error.field == field, "body: \(self.text)", sourceLocation: sourceLocation)
        }
    }
}
