public import Foundation
import JWTKit
public import MeetCore
public import MeetProtocol

/// Signs and verifies Meet's JWTs (HS256, the shared `MEET_JWT_SECRET`).
///
/// Two kinds: access tokens (a user, for the REST API) and join tokens (a
/// participant of one meeting, for the signaling server). ServerAPI signs
/// both; ServerWS verifies join tokens (``verifyJoinToken(_:forMeetingCode:)``)
/// and, for a user socket, access tokens.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    public let issuer: String
    /// Lifetime of access tokens.
    public let accessTokenTTL: Duration
    /// Lifetime of join tokens.
    public let joinTokenTTL: Duration
    private let now: @Sendable () -> Date

    public init(
        configuration: JWTConfiguration,
        accessTokenTTL: Duration = .seconds(900),
        joinTokenTTL: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: configuration.secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.issuer = configuration.issuer
        self.accessTokenTTL = accessTokenTTL
        self.joinTokenTTL = joinTokenTTL
        self.now = now
    }

    // MARK: Access tokens

    /// A signed access token for `userId` and its expiry.
    public func makeAccessToken(userId: UUID) async throws -> (token: String, expiresAt: Date) {
        let issuedAt = self.wholeSecondNow()
        let expiresAt = issuedAt.addingTimeInterval(self.accessTokenTTL.timeInterval)
        let payload = AccessTokenPayload(
            sub: SubjectClaim(value: userId.uuidString.lowercased()),
            iss: IssuerClaim(value: self.issuer),
            iat: IssuedAtClaim(value: issuedAt),
            exp: ExpirationClaim(value: expiresAt),
            typ: AccessTokenPayload.kind
        )
        return (try await self.keys.sign(payload), expiresAt)
    }

    /// The user id an access token stands for.
    public func verifyAccessToken(_ token: String) async throws(TokenError) -> UUID {
        try await self.verifyAccessTokenExpiry(token).userId
    }

    /// The user id an access token stands for, and when it expires: meet-ws
    /// closes a user socket (docs/signaling.md, "User sockets") when the
    /// token it was opened with expires.
    public func verifyAccessTokenExpiry(_ token: String) async throws(TokenError) -> (userId: UUID, expiresAt: Date) {
        let payload = try await self.verify(token, as: AccessTokenPayload.self)
        guard payload.iss.value == self.issuer, let userId = UUID(uuidString: payload.sub.value) else {
            throw TokenError.invalid
        }
        return (userId, payload.exp.value)
    }

    // MARK: Join tokens

    /// Signs a join token; `issuedAt`/`expiresAt` in `claims` are replaced by
    /// now and now + ``joinTokenTTL``. Returns the token and the claims as signed.
    public func makeJoinToken(_ claims: JoinTokenClaims) async throws -> (token: String, claims: JoinTokenClaims) {
        var claims = claims
        claims.issuedAt = self.wholeSecondNow()
        claims.expiresAt = claims.issuedAt.addingTimeInterval(self.joinTokenTTL.timeInterval)
        let token = try await self.keys.sign(JoinTokenPayload(claims: claims, issuer: self.issuer))
        return (token, claims)
    }

    /// The claims of a join token, whatever meeting it is for.
    public func verifyJoinToken(_ token: String) async throws(TokenError) -> JoinTokenClaims {
        let (claims, kind) = try await self.verifySeatToken(token)
        guard kind == .join else { throw TokenError.wrongKind }
        return claims
    }

    // MARK: Resume tokens

    /// Signs a resume token for the seat `claims` name, valid for `ttl`
    /// from now. meet-ws mints one for each live seat and renews it over the
    /// socket, so a client can resume its seat on any replica for as long as
    /// the seat lives, long after its join token expired. The seat itself is
    /// checked against PostgreSQL on every use: the token only says who.
    public func makeResumeToken(_ claims: JoinTokenClaims, ttl: Duration) async throws -> (token: String, expiresAt: Date) {
        var claims = claims
        claims.issuedAt = self.wholeSecondNow()
        claims.expiresAt = claims.issuedAt.addingTimeInterval(ttl.timeInterval)
        let token = try await self.keys.sign(
            JoinTokenPayload(claims: claims, issuer: self.issuer, kind: JoinTokenPayload.resumeKind))
        return (token, claims.expiresAt)
    }

    // MARK: Recorder tokens

    /// How long a recorder token is valid: a bound on a leaked one only,
    /// since meet-ws checks the recording is active at every connect.
    public static let recorderTokenTTL: Duration = .seconds(12 * 3600)

    /// Signs a recorder seat's token (docs/dev/recording.md, "The recorder
    /// as a hidden subscriber"): meet-api mints one per recording job;
    /// `claims.recordingId` must be set. It names no `participants` row:
    /// meet-ws lets it in while that recording is active in PostgreSQL,
    /// checked at every connect and join, so `ttl` only bounds a leaked one.
    public func makeRecorderToken(_ claims: JoinTokenClaims, ttl: Duration = TokenService.recorderTokenTTL) async throws -> String {
        precondition(claims.recordingId != nil, "a recorder token names its recording")
        var claims = claims
        claims.issuedAt = self.wholeSecondNow()
        claims.expiresAt = claims.issuedAt.addingTimeInterval(ttl.timeInterval)
        return try await self.keys.sign(JoinTokenPayload(claims: claims, issuer: self.issuer, kind: JoinTokenPayload.recorderKind))
    }

    /// Which of the seat tokens a token is.
    public enum SeatTokenKind: Sendable, Equatable {
        /// Issued by meet-api's `POST /v1/meetings/{code}/join`.
        case join
        /// Minted by meet-ws for a live seat (``makeResumeToken(_:ttl:)``).
        case resume
        /// A recorder's hidden seat (``makeRecorderToken(_:ttl:)``).
        case recorder
    }

    /// The claims of a join, resume or recorder token, and which it is.
    public func verifySeatToken(_ token: String) async throws(TokenError) -> (claims: JoinTokenClaims, kind: SeatTokenKind) {
        let payload = try await self.verify(token, as: JoinTokenPayload.self)
        guard payload.iss.value == self.issuer else { throw TokenError.invalid }
        let kind: SeatTokenKind =
            switch payload.typ {
            case JoinTokenPayload.resumeKind: .resume
            case JoinTokenPayload.recorderKind: .recorder
            default: .join
            }
        let claims = try payload.claims()
        // A recorder token without its recording is no token of ours.
        guard (kind == .recorder) == (claims.recordingId != nil) else { throw TokenError.invalid }
        return (claims, kind)
    }

    /// The claims of a join token that must be for the meeting with `code`;
    /// a token for any other meeting throws ``TokenError/wrongMeeting``.
    public func verifyJoinToken(_ token: String, forMeetingCode code: String) async throws(TokenError) -> JoinTokenClaims {
        let claims = try await self.verifyJoinToken(token)
        guard claims.meetingCode == code else { throw TokenError.wrongMeeting }
        return claims
    }

    /// The claims of a join token that must be for the meeting with `meetingId`.
    public func verifyJoinToken(_ token: String, forMeetingId meetingId: UUID) async throws(TokenError) -> JoinTokenClaims {
        let claims = try await self.verifyJoinToken(token)
        guard claims.meetingId == meetingId else { throw TokenError.wrongMeeting }
        return claims
    }

    // MARK: Playback tokens

    /// Signs a playback token for one recording file, valid for `ttl`
    /// (docs/dev/recording.md, "Playback URLs"). It goes in a URL a
    /// `<video>` can play without an `Authorization` header; meet-api checks
    /// the caller's access when it mints one and again at every request.
    public func makePlaybackToken(recordingId: UUID, fileId: UUID, userId: UUID, ttl: Duration) async throws -> (token: String, expiresAt: Date) {
        let issuedAt = self.wholeSecondNow()
        let expiresAt = issuedAt.addingTimeInterval(ttl.timeInterval)
        let payload = PlaybackTokenPayload(
            sub: SubjectClaim(value: userId.uuidString.lowercased()),
            iss: IssuerClaim(value: self.issuer),
            iat: IssuedAtClaim(value: issuedAt),
            exp: ExpirationClaim(value: expiresAt),
            typ: PlaybackTokenPayload.kind,
            rec: recordingId,
            file: fileId
        )
        return (try await self.keys.sign(payload), expiresAt)
    }

    /// The claims of a playback token: ``TokenError/expired`` past its
    /// expiry, ``TokenError/invalid`` for anything forged, altered or
    /// malformed, or another kind of token (which lacks these claims).
    public func verifyPlaybackToken(_ token: String) async throws(TokenError) -> PlaybackTokenClaims {
        let payload = try await self.verify(token, as: PlaybackTokenPayload.self)
        guard payload.iss.value == self.issuer, let userId = UUID(uuidString: payload.sub.value) else {
            throw TokenError.invalid
        }
        return PlaybackTokenClaims(recordingId: payload.rec, fileId: payload.file, userId: userId, expiresAt: payload.exp.value)
    }

    // MARK: Helpers

    private func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type) async throws(TokenError) -> Payload {
        // Cheap shape check first: three base64url parts, bounded size.
        guard token.utf8.count <= 8192, token.split(separator: ".", omittingEmptySubsequences: false).count == 3 else {
            throw TokenError.invalid
        }
        do {
            let payload = try await self.keys.verify(token, as: Payload.self)
            return payload
        } catch let error as TokenError {
            throw error
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw error.failedClaim is ExpirationClaim ? TokenError.expired : TokenError.invalid
        } catch {
            throw TokenError.invalid
        }
    }

    /// JWT times are whole seconds; truncating keeps the returned dates
    /// equal to what a verifier decodes.
    private func wholeSecondNow() -> Date {
        Date(timeIntervalSince1970: self.now().timeIntervalSince1970.rounded(.down))
    }
}
