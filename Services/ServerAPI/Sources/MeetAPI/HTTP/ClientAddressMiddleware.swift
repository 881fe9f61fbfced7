import Foundation
import Hummingbird

/// Works out the client's address once per request and puts it in the
/// context (``APIRequestContext/clientAddress``), for rate limits and bans.
///
/// The socket's peer, unless `trustProxy` is set (meet-api behind a load
/// balancer, `MEET_TRUST_PROXY`): then the **last** `X-Forwarded-For` hop,
/// the one the trusted proxy appended for the connection it accepted.
/// Entries before it came from the client and can be anything, so keying
/// on the first one would let every request pick its own bucket.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let trustProxy: Bool

    func handle(
        _ request: Request,
        context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard self.trustProxy, let forwarded = Self.lastForwardedHop(request.headers) else {
            return try await next(request, context)
        }
        var context = context
        context.clientAddress = forwarded
        return try await next(request, context)
    }

    /// The last entry of the last `X-Forwarded-For` field (several fields
    /// read as one list, in order); `nil` when there is none, it is empty,
    /// or it is longer than any address (64 bytes).
    static func lastForwardedHop(_ headers: HTTPFields) -> String? {
        guard let field = headers.last(where: { $0.name.canonicalName == "x-forwarded-for" })?.value,
            let last = field.split(separator: ",", omittingEmptySubsequences: false).last
        else { return nil }
        let hop = last.trimmingCharacters(in: .whitespaces)
        guard !hop.isEmpty, hop.utf8.count <= 64 else { return nil }
        return hop
    }
}
