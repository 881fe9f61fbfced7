import Logging
import MeetCore
import PostgresNIO
import _ConnectionPoolModule
import ServiceLifecycle

/// The PostgreSQL pool every repository goes through.
///
/// Wraps PostgresNIO's `PostgresClient` (itself a lifecycle `Service`: put
/// ``client`` in the service group) and adds what the API needs on top: a
/// deadline on every operation, so a database outage answers 503 within
/// ``DatabaseConfiguration/operationTimeout`` instead of hanging, and error
/// classification into ``DatabaseError``.
public struct Database: Sendable {
    public let client: PostgresClient
    public let operationTimeout: Duration
    public let logger: Logger

    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        self.operationTimeout = configuration.operationTimeout
        self.logger = logger
    }

    /// Runs `body` with a pooled connection, within the deadline.
    public func withConnection<Value: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws(DatabaseError) -> Value {
        let client = self.client
        return try await self.guarded { try await client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` inside `BEGIN … COMMIT` (rolled back if it throws), within the deadline.
    ///
    /// Errors that `body` throws which are not database errors (for example
    /// an API error decided inside the transaction) pass through unchanged.
    public func withTransaction<Value: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let client = self.client
        let logger = self.logger
        do {
            return try await withDeadline(self.operationTimeout) {
                try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            throw Self.unwrap(error)
        } catch {
            throw Self.passThroughOrClassify(error)
        }
    }

    /// Runs one query and collects its rows, within the deadline.
    public func query(_ query: PostgresQuery) async throws(DatabaseError) -> [PostgresRow] {
        let client = self.client
        let logger = self.logger
        return try await self.guarded {
            try await client.query(query, logger: logger).collect()
        }
    }

    /// True when `SELECT 1` answers within the deadline (for `/readyz`).
    public func isReachable() async -> Bool {
        do {
            _ = try await self.query("SELECT 1")
            return true
        } catch {
            return false
        }
    }

    private func guarded<Value: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws(DatabaseError) -> Value {
        do {
            return try await withDeadline(self.operationTimeout, operation: operation)
        } catch {
            throw DatabaseError(classifying: error)
        }
    }

    /// A transaction failure carries the closure's error and any rollback error;
    /// the closure's error is the one that explains what happened.
    private static func unwrap(_ error: PostgresTransactionError) -> any Error {
        if let closureError = error.closureError { return passThroughOrClassify(closureError) }
        if let begin = error.beginError { return DatabaseError(classifying: begin) }
        if let commit = error.commitError { return DatabaseError(classifying: commit) }
        return DatabaseError.unavailable("transaction failed")
    }

    /// Database failures (by their type: PostgresNIO's, its pool's, the
    /// deadline's) become ``DatabaseError``s; anything else the closure threw
    /// is the caller's own error and passes through unchanged.
    static func passThroughOrClassify(_ error: any Error) -> any Error {
        switch error {
        case is PSQLError, is DeadlineExceeded, is DatabaseError, is ConnectionPoolError:
            return DatabaseError(classifying: error)
        default:
            return error
        }
    }
}

/// Runs the pool, so a ``Database`` can go straight into a `ServiceGroup`
/// (same as putting its ``Database/client`` there).
extension Database: Service {
    public func run() async {
        await self.client.run()
    }
}
