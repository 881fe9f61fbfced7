import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

@Suite("JWT access and join tokens")
struct TokenServiceTests {
    static let configuration = try! JWTConfiguration(secret: "test-secret-that-is-long-enough-0123456789")

    static func claims(meetingCode: String = "abc-defg-hij", meetingId: UUID = UUID()) -> JoinTokenClaims {
        JoinTokenClaims(
            meetingId: meetingId, meetingCode: meetingCode, participantId: UUID(), role: .host, status: .joining,
            userId: UUID(), guestId: nil, displayName: "Zoë 🎥", issuedAt: Date(), expiresAt: Date()
        )
    }

    @Test("an access token round-trips to its user")
    func accessRoundTrip() async throws {
        let service = await TokenService(configuration: Self.configuration)
        let userId = UUID()
        let (token, expiresAt) = try await service.makeAccessToken(userId: userId)
        #expect(try await service.verifyAccessToken(token) == userId)
        #expect(expiresAt > Date())
        #expect(expiresAt <= Date().addingTimeInterval(901))
    }

    @Test("an expired access token is refused as expired")
    func expiredAccess() async throws {
        let past = await TokenService(configuration: Self.configuration, accessTokenTTL: .seconds(60)) {
            Date().addingTimeInterval(-3600)
        }
        let (token, _) = try await past.makeAccessToken(userId: UUID())
        let service = await TokenService(configuration: Self.configuration)
        await #expect(throws: TokenError.expired) { try await service.verifyAccessToken(token) }
    }

    @Test("a token signed with another key is refused")
    func forged() async throws {
        let other = await TokenService(configuration: try JWTConfiguration(secret: String(repeating: "x", count: 40)))
        let (token, _) = try await other.makeAccessToken(userId: UUID())
        let service = await TokenService(configuration: Self.configuration)
        await #expect(throws: TokenError.invalid) { try await service.verifyAccessToken(token) }
        let join = try await other.makeJoinToken(Self.claims())
        await #expect(throws: TokenError.invalid) { try await service.verifyJoinToken(join.token) }
    }

    @Test("a token from another issuer is refused")
    func otherIssuer() async throws {
        let other = await TokenService(configuration: try JWTConfiguration(secret: Self.configuration.secret, issuer: "evil"))
        let (token, _) = try await other.makeAccessToken(userId: UUID())
        let service = await TokenService(configuration: Self.configuration)
        await #expect(throws: TokenError.invalid) { try await service.verifyAccessToken(token) }
    }

    @Test(
        "garbage is refused without trapping",
        arguments: ["", "a", "a.b", "a.b.c", "...", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", String(repeating: "A", count: 20_000), "ü.ö.ä"]
    )
    func garbage(token: String) async {
        let service = await TokenService(configuration: Self.configuration)
        await #expect(throws: TokenError.self) { try await service.verifyAccessToken(token) }
        await #expect(throws: TokenError.self) { try await service.verifyJoinToken(token) }
    }

    @Test("access and join tokens are not interchangeable")
    func kindsDiffer() async throws {
        let service = await TokenService(configuration: Self.configuration)
        let (access, _) = try await service.makeAccessToken(userId: UUID())
        await #expect(throws: TokenError.self) { try await service.verifyJoinToken(access) }
        let join = try await service.makeJoinToken(Self.claims())
        await #expect(throws: TokenError.self) { try await service.verifyAccessToken(join.token) }
    }

    @Test("a join token carries its claims and is refused for another meeting")
    func joinTokenBoundToMeeting() async throws {
        let service = await TokenService(configuration: Self.configuration, joinTokenTTL: .seconds(120))
        let meetingA = Self.claims(meetingCode: "aaa-aaaa-aaa")
        let signed = try await service.makeJoinToken(meetingA)
        let verified = try await service.verifyJoinToken(signed.token, forMeetingCode: "aaa-aaaa-aaa")
        #expect(verified == signed.claims)
        #expect(verified.displayName == "Zoë 🎥")
        #expect(verified.expiresAt.timeIntervalSince(verified.issuedAt) == 120)
        #expect(try await service.verifyJoinToken(signed.token, forMeetingId: meetingA.meetingId) == signed.claims)

        await #expect(throws: TokenError.wrongMeeting) {
            try await service.verifyJoinToken(signed.token, forMeetingCode: "bbb-bbbb-bbb")
        }
        await #expect(throws: TokenError.wrongMeeting) {
            try await service.verifyJoinToken(signed.token, forMeetingId: UUID())
        }
    }

    @Test("an expired join token is refused as expired")
    func expiredJoin() async throws {
        let past = await TokenService(configuration: Self.configuration, joinTokenTTL: .seconds(10)) {
            Date().addingTimeInterval(-60)
        }
        let signed = try await past.makeJoinToken(Self.claims())
        let service = await TokenService(configuration: Self.configuration)
        await #expect(throws: TokenError.expired) { try await service.verifyJoinToken(signed.token) }
    }

    @Test("a tampered payload fails the signature check")
    func tampered() async throws {
        let service = await TokenService(configuration: Self.configuration)
        let signed = try await service.makeJoinToken(Self.claims(meetingCode: "aaa-aaaa-aaa"))
        var parts = signed.token.split(separator: ".").map(String.init)
        let json = try #require(Data(base64URL: parts[1]))
        let changed = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "aaa-aaaa-aaa", with: "bbb-bbbb-bbb")
        parts[1] = Data(changed.utf8).base64URLEncoded()
        await #expect(throws: TokenError.invalid) {
            try await service.verifyJoinToken(parts.joined(separator: "."), forMeetingCode: "bbb-bbbb-bbb")
        }
    }
}

@Suite("Opaque refresh tokens")
struct OpaqueTokenTests {
    @Test("tokens are 43 url-safe characters, unique, and hash stably")
    func shape() {
        let tokens = (0..<100).map { _ in OpaqueToken.generate() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy(OpaqueToken.isWellFormed))
        #expect(OpaqueToken.hash(tokens[0]) == OpaqueToken.hash(tokens[0]))
        #expect(OpaqueToken.hash(tokens[0]).count == 64)
        #expect(OpaqueToken.hash(tokens[0]) != OpaqueToken.hash(tokens[1]))
    }

    @Test("anything else is not well formed", arguments: ["", "short", String(repeating: "a", count: 44), String(repeating: "+", count: 43), "'; DROP TABLE users; --aaaaaaaaaaaaaaaaaaaaa"])
    func malformed(token: String) {
        #expect(!OpaqueToken.isWellFormed(token))
    }
}

extension Data {
    init?(base64URL: String) {
        var base64 = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }

    func base64URLEncoded() -> String {
        self.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
