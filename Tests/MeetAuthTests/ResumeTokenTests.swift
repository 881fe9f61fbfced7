import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

/// Resume tokens: the seat-bound credential meet-ws renews over the socket.
@Suite("JWT resume tokens")
struct ResumeTokenTests {
    @Test("a resume token names the seat, lives its own TTL, and is a seat token but not a join token")
    func roundTrip() async throws {
        let service = await TokenService(configuration: TokenServiceTests.configuration)
        let claims = TokenServiceTests.claims()
        let minted = try await service.makeResumeToken(claims, ttl: .seconds(120))
        #expect(minted.expiresAt > Date().addingTimeInterval(110) && minted.expiresAt <= Date().addingTimeInterval(121))
        let (verified, kind) = try await service.verifySeatToken(minted.token)
        #expect(kind == .resume)
        #expect(verified.participantId == claims.participantId && verified.meetingId == claims.meetingId)
        #expect(verified.expiresAt == minted.expiresAt)
        // Only meet-ws's upgrade takes it; REST (join-token readers) does not.
        await #expect(throws: TokenError.wrongKind) { try await service.verifyJoinToken(minted.token) }
        let join = try await service.makeJoinToken(claims)
        #expect(try await service.verifySeatToken(join.token).kind == .join)
    }

    @Test("an end-to-end encrypted meeting's seat says so in its join and resume tokens; others do not")
    func e2eeClaim() async throws {
        let service = await TokenService(configuration: TokenServiceTests.configuration)
        var claims = TokenServiceTests.claims()
        #expect(try await service.verifySeatToken(try await service.makeJoinToken(claims).token).claims.e2ee == false)
        claims.e2ee = true
        #expect(try await service.verifySeatToken(try await service.makeJoinToken(claims).token).claims.e2ee == true)
        let resumed = try await service.makeResumeToken(claims, ttl: .seconds(60))
        #expect(try await service.verifySeatToken(resumed.token).claims.e2ee == true)
    }

    @Test("an expired resume token is refused as expired; an access token is no seat token")
    func refused() async throws {
        let past = await TokenService(configuration: TokenServiceTests.configuration) { Date().addingTimeInterval(-3600) }
        let old = try await past.makeResumeToken(TokenServiceTests.claims(), ttl: .seconds(600))
        let service = await TokenService(configuration: TokenServiceTests.configuration)
        await #expect(throws: TokenError.expired) { try await service.verifySeatToken(old.token) }
        let (access, _) = try await service.makeAccessToken(userId: UUID())
        await #expect(throws: TokenError.self) { try await service.verifySeatToken(access) }
    }
}
