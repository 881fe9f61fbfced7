import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

/// Recorder tokens: a recorder's hidden seat (docs/dev/recording.md, "The
/// recorder as a hidden subscriber").
@Suite("JWT recorder tokens")
struct RecorderTokenTests {
    @Test("a recorder token names its recording, is a seat token of kind recorder, and no join token")
    func roundTrip() async throws {
        let service = await TokenService(configuration: TokenServiceTests.configuration)
        var claims = TokenServiceTests.claims()
        let recording = UUID()
        claims.recordingId = recording
        let token = try await service.makeRecorderToken(claims, ttl: .seconds(3600))
        let (verified, kind) = try await service.verifySeatToken(token)
        #expect(kind == .recorder)
        #expect(verified.recordingId == recording)
        #expect(verified.expiresAt > Date().addingTimeInterval(3500))
        await #expect(throws: TokenError.wrongKind) { try await service.verifyJoinToken(token) }
    }

    @Test("join and resume tokens never carry a recording, even when the claims had one")
    func onlyRecorderTokensRecord() async throws {
        let service = await TokenService(configuration: TokenServiceTests.configuration)
        var claims = TokenServiceTests.claims()
        claims.recordingId = UUID()
        let join = try await service.makeJoinToken(claims)
        #expect(try await service.verifySeatToken(join.token).claims.recordingId == nil)
        let resume = try await service.makeResumeToken(claims, ttl: .seconds(60))
        #expect(try await service.verifySeatToken(resume.token).claims.recordingId == nil)
    }
}
