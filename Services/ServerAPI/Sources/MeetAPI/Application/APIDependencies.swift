import Foundation
import Hummingbird
import Logging
import MeetCore
import MeetProtocol

/// Everything the controllers use, wired once by ``buildApplication(configuration:logger:)``.
///
/// Repositories are protocols (ports); the application wires the
/// PostgreSQL adapters, tests may wire others.
struct APIDependencies: Sendable {
    let configuration: APIConfiguration
    let database: Database
    let users: any UserRepository
    let refreshTokens: any RefreshTokenRepository
    let meetings: any MeetingRepository
    let members: any MemberRepository
    let participants: any ParticipantRepository
    /// Kicks that stick (docs/signaling.md, Bans).
    let bans: any BanRepository
    /// Membership changes reach the seats held now.
    let memberships: MembershipChanges
    let tokens: TokenService
    let passwords: PasswordHasher
    let rateLimiter: any RateLimiter
    let body: JSONBody

    init(
        configuration: APIConfiguration, database: Database, rateLimiter: any RateLimiter,
        roomNotifier: any RoomNotifier = SilentRoomNotifier(), logger: Logger = Logger(label: "meet-api")
    ) async {
        self.configuration = configuration
        self.database = database
        self.users = PostgresUserRepository(database: database)
        self.refreshTokens = PostgresRefreshTokenRepository(database: database)
        let meetings = PostgresMeetingRepository(database: database)
        self.meetings = meetings
        self.members = meetings
        self.participants = PostgresParticipantRepository(database: database)
        self.bans = PostgresBanRepository(database: database)
        self.memberships = MembershipChanges(database: database, notifier: roomNotifier, logger: logger)
        self.tokens = await TokenService(
            configuration: configuration.core.jwt,
            accessTokenTTL: configuration.accessTokenTTL,
            joinTokenTTL: configuration.joinTokenTTL
        )
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.rateLimiter = rateLimiter
        self.body = JSONBody(limit: configuration.http.maxBodyBytes)
    }
}

// MARK: Authentication

extension APIDependencies {
    /// The bearer token of the request: `nil` without an `Authorization`
    /// header, `""` (which never verifies) when the header is not
    /// `Bearer <token>`. The scheme is matched case-insensitively.
    func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return "" }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// The user an access token stands for; 401 when there is none, it is
    /// invalid or expired, or the account no longer exists.
    func requireUser(_ request: Request) async throws -> UserRecord {
        guard let user = try await self.optionalUser(request) else { throw APIError.unauthorized }
        return user
    }

    /// Like ``requireUser(_:)``, but `nil` when no `Authorization` header is
    /// sent at all. A header that is sent must be valid.
    func optionalUser(_ request: Request) async throws -> UserRecord? {
        guard let token = self.bearerToken(request) else { return nil }
        let userId: UUID
        do {
            userId = try await self.tokens.verifyAccessToken(token)
        } catch .expired {
            throw APIError(.unauthorized, "the access token has expired")
        } catch {
            throw APIError.unauthorized
        }
        guard let user = try await self.users.find(id: userId) else { throw APIError.unauthorized }
        return user
    }

    /// Counts one attempt against `key`; 429 with `Retry-After` when over `limit`.
    func enforceRateLimit(_ key: String, maxAttempts: Int) async throws {
        guard case .limited(let retryAfter) = try await self.countAttempt(key, maxAttempts: maxAttempts) else { return }
        let seconds = max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0))
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        throw APIError(.rateLimited, "too many attempts, retry in \(seconds) s", headers: headers)
    }

    /// Counts one attempt against `key` and says whether it is within `maxAttempts`
    /// per ``APIConfiguration/authRateLimitWindow``, without refusing anything.
    func countAttempt(_ key: String, maxAttempts: Int) async throws -> RateLimitDecision {
        let limit = RateLimit(maxAttempts: maxAttempts, window: self.configuration.authRateLimitWindow)
        return try await self.rateLimiter.attempt(key: key, limit: limit)
    }
}

// MARK: Meetings

extension APIDependencies {
    /// The meeting named by the `{code}` path parameter; 404 when the code is
    /// malformed or unknown.
    func meeting(_ context: APIRequestContext) async throws -> MeetingRecord {
        guard let code = context.parameters.get("code"), MeetingCode.isValid(code),
            let meeting = try await self.meetings.find(code: code)
        else {
            throw APIError.meetingNotFound
        }
        return meeting
    }

    /// The caller's role in `meeting`; 403 unless it is one of `allowed`.
    @discardableResult
    func requireRole(_ allowed: Set<MemberRole>, in meeting: MeetingRecord, user: UserRecord) async throws -> MemberRole {
        guard let role = try await self.members.role(meetingId: meeting.id, userId: user.id), allowed.contains(role) else {
            throw APIError.forbidden
        }
        return role
    }
}
