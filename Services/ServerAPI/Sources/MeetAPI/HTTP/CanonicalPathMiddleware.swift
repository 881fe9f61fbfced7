import Hummingbird
import MeetProtocol

/// 404 for every request path that is not in canonical form: an empty
/// segment (`//`, a trailing `/` such as `/index.html/` or `/v1/meetings/`),
/// or a `.` or `..` segment.
///
/// Hummingbird's router skips empty segments, so without this check
/// `/index.html/` and `//v1//users/me` would answer like their canonical
/// twins. Every resource has exactly one path; `/` itself is canonical.
struct CanonicalPathMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard Self.isCanonical(request.uri.path) else { throw APIError(.notFound, "no such route") }
        return try await next(request, context)
    }

    static func isCanonical(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        if path == "/" { return true }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
        }
    }
}
