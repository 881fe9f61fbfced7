import Hummingbird
import Logging
import MeetAuth
import MeetCore
import MeetDatabase
import MeetProtocol
import NIOCore

/// Turns every error a route can throw into the API's JSON error body.
///
/// Routes throw ``APIError`` for the answers they mean; everything else is
/// classified here: database outages become 503, bad tokens 401, too-large
/// bodies 413, bodies the client cut short 400 (logged at debug level only),
/// Hummingbird's own errors keep their status. Whatever is left
/// is a bug: it is logged with the route and answered with a bare 500
/// `internal_error` that leaks nothing.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.classify(error, logger: context.logger, route: context.endpointPath)
            return try apiError.response(from: request, context: context)
        }
    }

    static func classify(_ error: any Error, logger: Logger, route: String?) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as RequestBodyAborted:
            logger.debug("request body aborted by the client", metadata: ["error": "\(error.underlying)", "route": "\(route ?? "-")"])
            return APIError(.malformedJSON, "the request body ended before it was complete")
        case let error as DatabaseError:
            if case .unavailable(let why) = error {
                logger.warning("database unavailable", metadata: ["reason": "\(why)"])
                return .databaseUnavailable
            }
            logger.error("database error", metadata: ["error": "\(error)", "route": "\(route ?? "-")"])
            return APIError(.internalError, "internal error")
        case is DeadlineExceeded:
            return .databaseUnavailable
        case is TokenError:
            return .unauthorized
        case is NIOTooManyBytesError:
            return APIError(.payloadTooLarge, "the body is too large")
        case let error as any HTTPResponseError:
            return Self.fromStatus(error.status)
        default:
            logger.error(
                "unhandled error",
                metadata: ["error": "\(String(reflecting: error))", "route": "\(route ?? "-")"]
            )
            return APIError(.internalError, "internal error")
        }
    }

    /// Errors raised by Hummingbird itself carry only a status.
    static func fromStatus(_ status: HTTPResponse.Status) -> APIError {
        switch status.code {
        case 400: APIError(.malformedJSON, "bad request")
        case 401: .unauthorized
        case 403: .forbidden
        case 404: APIError(.notFound, "no such route")
        case 405: APIError(.methodNotAllowed, "method not allowed")
        case 413: APIError(.payloadTooLarge, "the body is too large")
        case 415: JSONBody.unsupportedMediaType
        case 422: APIError(.validationFailed, "the request is invalid")
        case 429: APIError(.rateLimited, "too many requests")
        case 503: .databaseUnavailable
        default: APIError(.internalError, "internal error")
        }
    }
}
