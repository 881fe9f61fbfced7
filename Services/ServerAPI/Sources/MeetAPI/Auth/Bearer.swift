import MeetCore
import MeetProtocol

/// What a request's `Authorization: Bearer` header proved, as
/// ``BearerAuthenticator`` found it.
///
/// A header that fails is not refused by the middleware: the failure is
/// kept and thrown by the route when it asks for the user, so each route
/// keeps its own order of checks (a participant list answers 404 for an
/// unknown meeting before it looks at the token).
enum Bearer: Sendable {
    /// No `Authorization` header at all.
    case absent
    /// A valid access token of an account that exists.
    case user(UserRecord)
    /// A valid join or resume token (a participant reading its own meeting).
    case participant(JoinTokenClaims)
    /// A header that is not a valid token of either kind, with the answer to give.
    case rejected(APIError)
}

extension APIRequestContext {
    /// Whether the request carried an `Authorization` header at all.
    var hasBearer: Bool {
        if case .absent = self.bearer { return false }
        return true
    }

    /// The user the access token stands for; 401 when there is none, it is
    /// invalid or expired, or the account no longer exists.
    func requireUser() throws(APIError) -> UserRecord {
        guard let user = try self.optionalUser() else { throw APIError.unauthorized }
        return user
    }

    /// Like ``requireUser()``, but `nil` when no `Authorization` header is
    /// sent at all. A header that is sent must hold a valid access token.
    func optionalUser() throws(APIError) -> UserRecord? {
        switch self.bearer {
        case .absent: return nil
        case .user(let user): return user
        case .participant: throw APIError.unauthorized
        case .rejected(let error): throw error
        }
    }
}
