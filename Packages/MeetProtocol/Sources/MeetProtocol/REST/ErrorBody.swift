/// The body of every REST error response.
///
/// The shape is fixed so that clients can branch on `error.code` without
/// parsing messages:
///
/// ```json
/// {"error": {"code": "validation_failed", "message": "title must be 3 to 120 characters", "field": "title"}}
/// ```
///
/// `field` is present only for validation errors (422) and names the
/// offending JSON field or query parameter.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The error itself.
    public var error: ErrorDetail

    public init(error: ErrorDetail) {
        self.error = error
    }

    public init(code: ErrorCode, message: String, field: String? = nil) {
        self.error = ErrorDetail(code: code, message: message, field: field)
    }
}

/// The inside of ``ErrorBody``.
public struct ErrorDetail: Codable, Sendable, Equatable {
    /// Machine-readable, stable, snake_case.
    public var code: ErrorCode
    /// Human-readable; may change between versions.
    public var message: String
    /// The field at fault, for validation errors.
    public var field: String?

    public init(code: ErrorCode, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }
}
