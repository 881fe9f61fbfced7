import Foundation
import JWTKit
import MeetProtocol

/// The claims of an access token: who the bearer is, until when.
///
/// `typ` keeps the token kinds apart: an access token is never accepted
/// where a join token is expected, nor the other way round.
struct AccessTokenPayload: JWTPayload {
    static let kind = "access"

    var sub: SubjectClaim
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var typ: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard self.typ == Self.kind else { throw TokenError.wrongKind }
        try self.exp.verifyNotExpired()
    }
}

/// The claims of a join token, in compact JWT spelling. A resume token
/// (``TokenService/makeResumeToken(_:ttl:)``) has the same claims with
/// `typ` `resume`: it names the same seat, minted by meet-ws for a seat
/// that is live, so a client can come back after its join token expired.
struct JoinTokenPayload: JWTPayload {
    static let kind = "join"
    static let resumeKind = "resume"
    /// A recorder's hidden seat (``TokenService/makeRecorderToken(_:ttl:)``).
    static let recorderKind = "recorder"

    /// The participant id.
    var sub: SubjectClaim
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var typ: String
    /// Meeting id and code.
    var mid: UUID
    var code: String
    var role: MemberRole
    var st: ParticipantStatus
    var uid: UUID?
    var gid: UUID?
    var name: String
    /// An end-to-end encrypted meeting (absent: not).
    var e2ee: Bool?
    /// The recording a recorder seat records (`recorder` tokens only).
    var rec: UUID?

    init(claims: JoinTokenClaims, issuer: String, kind: String = JoinTokenPayload.kind) {
        self.sub = SubjectClaim(value: claims.participantId.uuidString.lowercased())
        self.iss = IssuerClaim(value: issuer)
        self.iat = IssuedAtClaim(value: claims.issuedAt)
        self.exp = ExpirationClaim(value: claims.expiresAt)
        self.typ = kind
        self.mid = claims.meetingId
        self.code = claims.meetingCode
        self.role = claims.role
        self.st = claims.status
        self.uid = claims.userId
        self.gid = claims.guestId
        self.name = claims.displayName
        self.e2ee = claims.e2ee ? true : nil
        self.rec = claims.recordingId
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        // Both kinds share the shape; ``TokenService`` checks which one a caller accepts.
        guard self.typ == Self.kind || self.typ == Self.resumeKind || self.typ == Self.recorderKind else {
            throw TokenError.wrongKind
        }
        try self.exp.verifyNotExpired()
    }

    func claims() throws(TokenError) -> JoinTokenClaims {
        guard let participantId = UUID(uuidString: self.sub.value) else { throw TokenError.invalid }
        return JoinTokenClaims(
            meetingId: self.mid,
            meetingCode: self.code,
            participantId: participantId,
            role: self.role,
            status: self.st,
            userId: self.uid,
            guestId: self.gid,
            displayName: self.name,
            issuedAt: self.iat.value,
            expiresAt: self.exp.value,
            e2ee: self.e2ee ?? false,
            recordingId: self.typ == Self.recorderKind ? self.rec : nil
        )
    }
}

/// Why a token was refused.
public enum TokenError: Error, Sendable, Equatable {
    /// Not a JWT, bad signature, unknown issuer, or malformed claims.
    case invalid
    /// Well-formed and signed by us, but past its expiry.
    case expired
    /// An access token where a join token was expected, or vice versa.
    case wrongKind
    /// A join token for another meeting.
    case wrongMeeting
}
