import Hummingbird
import MeetProtocol

/// The methods each registered path template answers, matched against a
/// request path segment by segment (`{name}` matches any one segment).
struct RouteMethodTable: Sendable {
    private let templates: [(segments: [Substring], methods: Set<String>)]

    init(_ routes: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        self.templates = byPath.map { path, methods in
            (path.split(separator: "/"), methods)
        }
    }

    /// Every method the templates matching `path` answer, sorted; empty
    /// when no template matches. As in the router, a constant segment wins
    /// over a `{name}` one: `/v1/meetings/upcoming` is that path's, not `{code}`'s.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let requested = segments.count == 1 && segments.first == "" ? [] : Array(segments)
        var best: [Bool] = []
        var allowed = Set<String>()
        for template in self.templates where template.segments.count == requested.count {
            let matches = zip(template.segments, requested).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") || pattern == segment
            }
            guard matches else { continue }
            let constants = template.segments.map { !$0.hasPrefix("{") }
            if constants.lexicographicallyPrecedes(best, by: { !$0 && $1 }) { continue }
            if best.lexicographicallyPrecedes(constants, by: { !$0 && $1 }) || best.isEmpty && !constants.isEmpty {
                allowed = []
                best = constants
            }
            allowed.formUnion(template.methods)
        }
        return allowed.sorted()
    }
}

/// Answers 405 `method_not_allowed` with an `Allow` header (RFC 9110
/// §15.5.6) when the path exists but not with the request's method, e.g.
/// `TRACE /v1/meetings`. Added last to the router, so it wraps only the
/// router's not-found responder: matched routes never pass through it.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteMethodTable

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let allowed = self.table.methods(for: request.uri.path)
        guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        var headers = HTTPFields()
        headers[.allow] = allowed.joined(separator: ", ")
        throw APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here", headers: headers)
    }
}
