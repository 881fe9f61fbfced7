import PostgresNIO
import _ConnectionPoolModule

/// Why a database operation failed, in the terms an API answers with.
public enum DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The database cannot be reached, or did not answer in time (503).
    case unavailable(String)
    /// A unique constraint was violated; carries the constraint name.
    case uniqueViolation(constraint: String?)
    /// A foreign key points nowhere; carries the constraint name.
    case foreignKeyViolation(constraint: String?)
    /// Anything else: a bug in a query or a migration.
    case query(String)

    public var description: String {
        switch self {
        case .unavailable(let why): "database unavailable: \(why)"
        case .uniqueViolation(let constraint): "unique violation on \(constraint ?? "?")"
        case .foreignKeyViolation(let constraint): "foreign key violation on \(constraint ?? "?")"
        case .query(let why): "query failed: \(why)"
        }
    }

    /// Classifies any error thrown by PostgresNIO or by ``withDeadline(_:operation:)``.
    ///
    /// Connection-level failures and the server's "connection exception",
    /// "insufficient resources" and "operator intervention" SQLSTATE classes
    /// mean the database is unavailable; constraint violations are reported
    /// so repositories can turn them into 409s.
    public init(classifying error: any Error) {
        if let error = error as? DatabaseError {
            self = error
            return
        }
        if let deadline = error as? DeadlineExceeded {
            self = .unavailable("no answer within \(deadline.limit)")
            return
        }
        if let pool = error as? ConnectionPoolError {
            // The pool gave up on connecting (its circuit breaker), was shut
            // down, or the wait for a connection was cancelled.
            self = .unavailable("connection pool: \(pool)")
            return
        }
        guard let psql = error as? PSQLError else {
            self = .unavailable(String(describing: type(of: error)))
            return
        }
        guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else {
            self = .unavailable("\(psql.code)")
            return
        }
        let constraint = psql.serverInfo?[.constraintName]
        switch state {
        case "23505": self = .uniqueViolation(constraint: constraint)
        case "23503": self = .foreignKeyViolation(constraint: constraint)
        case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57"):
            self = .unavailable("SQLSTATE \(state)")
        default:
            self = .query("SQLSTATE \(state): \(psql.serverInfo?[.message] ?? "")")
        }
    }
}
