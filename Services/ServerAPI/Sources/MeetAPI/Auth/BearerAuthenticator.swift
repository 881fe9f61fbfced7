import Foundation
import Hummingbird
import MeetAuth
import MeetCore
import MeetProtocol

/// Reads the `Authorization: Bearer` header once and fills
/// ``APIRequestContext/bearer``: the route layer then asks the context
/// (`context.requireUser()`), never the token service.
///
/// hummingbird-auth's `AuthenticatorMiddleware` pattern (authenticate, put
/// the identity in the context, pass on), with one difference: a header
/// that fails is recorded rather than thrown (see ``Bearer``), so routes
/// that do not need an account, or check something else first, answer as
/// they would without the middleware.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    let tokens: TokenService
    let users: any UserRepository

    func handle(
        _ request: Request,
        context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.bearer = try await self.authenticate(request.headers)
        return try await next(request, context)
    }

    /// An access token (whose account must still exist) or else a seat's
    /// token: its join token, or the resume token meet-ws renews while the
    /// seat lives (a client still reads its chat, or shares a file, long after
    /// its join token expired). Either names the seat only: the routes check
    /// the seat in PostgreSQL at each request. A recorder's token is refused.
    func authenticate(_ headers: HTTPFields) async throws -> Bearer {
        guard let token = Self.bearerToken(headers) else { return .absent }
        let userId: UUID
        do {
            userId = try await self.tokens.verifyAccessToken(token)
        } catch let accessError {
            if let seat = try? await self.tokens.verifySeatToken(token), seat.kind != .recorder { return .participant(seat.claims) }
            if case .expired = accessError { return .rejected(APIError(.unauthorized, "the access token has expired")) }
            return .rejected(.unauthorized)
        }
        guard let user = try await self.users.find(id: userId) else { return .rejected(.unauthorized) }
        return .user(user)
    }

    /// The bearer token: `nil` without an `Authorization` header, `""`
    /// (which never verifies) when the header is not `Bearer <token>`. The
    /// scheme is matched case-insensitively.
    static func bearerToken(_ headers: HTTPFields) -> String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return "" }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
