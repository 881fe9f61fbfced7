import Foundation
import Hummingbird
import Logging
import MeetAuth
import MeetCore
import MeetProtocol

/// `/v1/auth/*`: accounts and the token pair.
struct AuthController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("register", use: self.register)
        group.post("login", use: self.login)
        group.post("refresh", use: self.refresh)
        group.post("logout", use: self.logout)
    }

    /// `POST /v1/auth/register` → 201 ``AuthResponse``; 409 `email_taken`.
    @Sendable func register(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.limitByAddress(request, context: context, action: "register")
        let body = try await self.deps.body.decode(RegisterRequest.self, from: request)
        let email = try Validate.email(body.email)
        try Validate.password(body.password)
        let displayName = try Validate.displayName(body.displayName)
        try await self.deps.limits.enforce("register:email:\(email)", maxAttempts: self.deps.configuration.authRateLimitPerEmail)

        let hash = try await self.deps.passwords.hash(body.password)
        let user: UserRecord
        do {
            user = try await self.deps.users.create(email: email, passwordHash: hash, displayName: displayName)
        } catch RepositoryError.emailTaken {
            throw APIError(.emailTaken, "an account with this email already exists")
        }
        context.logger.info("user registered", metadata: ["user.id": "\(user.id)"])
        return JSONResponse(status: .created, try await self.issueTokens(for: user))
    }

    /// `POST /v1/auth/login` → 200 ``AuthResponse``; 401 `invalid_credentials`
    /// for a wrong password and for an unknown email alike.
    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.limitByAddress(request, context: context, action: "login")
        let body = try await self.deps.body.decode(LoginRequest.self, from: request)
        let invalid = APIError(.invalidCredentials, "email or password is wrong")
        // Malformed emails and passwords no account can have (too long for
        // bcrypt, or with NUL, which C strings would truncate at) get the same answer.
        guard let email = try? Validate.email(body.email), (try? Validate.password(body.password)) != nil else {
            throw invalid
        }
        try await self.limitLogin(email: email, request: request, context: context)

        let user = try await self.deps.users.find(email: email)
        let matches = try await self.deps.passwords.verify(body.password, hash: user?.passwordHash ?? self.deps.passwords.decoyHash)
        guard let user, matches else { throw invalid }
        return JSONResponse(try await self.issueTokens(for: user))
    }

    /// `POST /v1/auth/refresh` → 200 ``AuthResponse`` with a new token pair.
    /// The presented refresh token is retired; presenting it again revokes
    /// every token descended from the same login.
    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<AuthResponse> {
        let body = try await self.deps.body.decode(RefreshRequest.self, from: request)
        let invalid = APIError(.invalidRefreshToken, "the refresh token is invalid, expired or revoked")
        guard OpaqueToken.isWellFormed(body.refreshToken) else { throw invalid }
        let next = OpaqueToken.generate()
        let expiresAt = Date().addingTimeInterval(self.deps.configuration.refreshTokenTTL.timeInterval)
        let outcome = try await self.deps.refreshTokens.rotate(
            tokenHash: OpaqueToken.hash(body.refreshToken),
            newTokenHash: OpaqueToken.hash(next),
            newExpiresAt: expiresAt
        )
        switch outcome {
        case .rotated(let userId):
            guard let user = try await self.deps.users.find(id: userId) else { throw invalid }
            let access = try await self.deps.tokens.makeAccessToken(userId: user.id)
            return JSONResponse(
                AuthResponse(
                    user: user.response, accessToken: access.token, accessTokenExpiresAt: access.expiresAt,
                    refreshToken: next, refreshTokenExpiresAt: expiresAt
                )
            )
        case .reused:
            context.logger.warning("refresh token reused; family revoked")
            throw invalid
        case .invalid:
            throw invalid
        }
    }

    /// `POST /v1/auth/logout` → 204. Revokes the refresh token and its family.
    /// Unknown tokens also get 204: logging out twice is not an error.
    @Sendable func logout(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let body = try await self.deps.body.decode(RefreshRequest.self, from: request)
        if OpaqueToken.isWellFormed(body.refreshToken) {
            _ = try await self.deps.refreshTokens.revokeFamily(tokenHash: OpaqueToken.hash(body.refreshToken))
        }
        return NoContent()
    }

    // MARK: Helpers

    /// A fresh access token and the first refresh token of a new family.
    private func issueTokens(for user: UserRecord) async throws -> AuthResponse {
        let access = try await self.deps.tokens.makeAccessToken(userId: user.id)
        let refresh = OpaqueToken.generate()
        let expiresAt = Date().addingTimeInterval(self.deps.configuration.refreshTokenTTL.timeInterval)
        try await self.deps.refreshTokens.issue(
            userId: user.id, familyId: UUID(), tokenHash: OpaqueToken.hash(refresh), expiresAt: expiresAt
        )
        return AuthResponse(
            user: user.response, accessToken: access.token, accessTokenExpiresAt: access.expiresAt,
            refreshToken: refresh, refreshTokenExpiresAt: expiresAt
        )
    }

    /// The login policy for one email (docs/operations.md, "Login rate limits"):
    ///
    /// - each client address gets ``APIConfiguration/authRateLimitPerEmail``
    ///   attempts per window for it, so one address cannot lock anyone out;
    /// - all addresses together get ``APIConfiguration/authRateLimitPerEmailGlobal``;
    ///   past that the email is *under attack*: nobody is refused for it
    ///   outright, but each address's allowance drops to a quarter and the
    ///   attempts for the email are spaced out, one per
    ///   ``APIConfiguration/authUnderAttackDelay`` from all addresses
    ///   together; one that comes sooner is answered 429 `rate_limited` with
    ///   `Retry-After` at once. Attackers spread over many addresses are
    ///   slowed down to that pace; the owner, from an address of their own,
    ///   still gets in at their next turn. Nothing waits on the server: a
    ///   held request would tie up a connection and a task per attempt.
    private func limitLogin(email: String, request: Request, context: APIRequestContext) async throws {
        let configuration = self.deps.configuration
        let global = try await self.deps.limits.count("login:email:\(email)", maxAttempts: configuration.authRateLimitPerEmailGlobal)
        let underAttack = !global.isAllowed
        let perAddress = underAttack ? max(1, configuration.authRateLimitPerEmail / 4) : configuration.authRateLimitPerEmail
        try await self.deps.limits.enforce("login:addr:\(context.clientAddress):email:\(email)", maxAttempts: perAddress)
        let spacing = configuration.authUnderAttackDelay
        guard underAttack, spacing > .zero else { return }
        let turn = try await self.deps.limits.count("login:spacing:email:\(email)", maxAttempts: 1, window: spacing)
        if case .limited(let retryAfter) = turn {
            context.logger.debug("login for an email under attack refused until its turn", metadata: ["client.address": "\(context.clientAddress)"])
            throw AttemptLimits.tooMany(retryAfter: retryAfter) {
                "this account is getting too many sign-in attempts; they are spaced out, retry in \($0) s"
            }
        }
    }

    private func limitByAddress(_ request: Request, context: APIRequestContext, action: String) async throws {
        try await self.deps.limits.enforce(
            "\(action):addr:\(context.clientAddress)", maxAttempts: self.deps.configuration.authRateLimitPerAddress
        )
    }
}
