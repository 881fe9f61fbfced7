public import Foundation
import JWTKit

/// What a playback token grants: one file of one recording, to the user it
/// was minted for, until it expires (docs/dev/recording.md, "Playback URLs").
public struct PlaybackTokenClaims: Sendable, Equatable {
    public var recordingId: UUID
    public var fileId: UUID
    /// Who asked for it: meet-api checks this user's access again at each request.
    public var userId: UUID
    public var expiresAt: Date

    public init(recordingId: UUID, fileId: UUID, userId: UUID, expiresAt: Date) {
        self.recordingId = recordingId
        self.fileId = fileId
        self.userId = userId
        self.expiresAt = expiresAt
    }
}

/// The claims of a playback token, `typ` `playback`: never accepted where
/// an access or a seat token is expected (their payloads check `typ`, or
/// lack these claims), nor the other way round.
struct PlaybackTokenPayload: JWTPayload {
    static let kind = "playback"

    /// The user id.
    var sub: SubjectClaim
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var typ: String
    /// The recording and the file.
    var rec: UUID
    var file: UUID

    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard self.typ == Self.kind else { throw TokenError.wrongKind }
        try self.exp.verifyNotExpired()
    }
}
