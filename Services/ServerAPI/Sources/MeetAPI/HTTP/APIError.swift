import Foundation
import Hummingbird
import MeetProtocol

/// An error the API answers with deliberately: a code from ``ErrorCode``
/// (which fixes the HTTP status), a message and, for 422, the field.
struct APIError: Error, HTTPResponseError, Sendable {
    let code: ErrorCode
    let message: String
    let field: String?
    var headers: HTTPFields

    init(_ code: ErrorCode, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    var status: HTTPResponse.Status { .init(code: self.code.httpStatus) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(status: self.status, ErrorBody(code: self.code, message: self.message, field: self.field))
            .response(from: request, context: context)
        response.headers.append(contentsOf: self.headers)
        return response
    }

    // MARK: The common ones

    static func validation(_ field: String, _ message: String) -> APIError {
        APIError(.validationFailed, "\(field) \(message)", field: field)
    }

    static let unauthorized = APIError(.unauthorized, "a valid bearer token is required")
    static let forbidden = APIError(.forbidden, "you are not allowed to do this")
    static let meetingNotFound = APIError(.notFound, "no such meeting")
    static let meetingEnded = APIError(.meetingEnded, "the meeting has ended")
    static let databaseUnavailable = APIError(.databaseUnavailable, "the database is unavailable, try again shortly")
}
