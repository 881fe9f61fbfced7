public import Logging
public import MeetCore
public import PostgresNIO
public import ServiceLifecycle
import _ConnectionPoolModule

/// The PostgreSQL pool every repository goes through.
///
/// Wraps PostgresNIO's `PostgresClient` (itself a lifecycle `Service`: put
/// ``client`` in the service group) and adds what the API needs on top: a
/// deadline on every operation, so a database outage answers 503 within
/// ``DatabaseConfiguration/operationTimeout`` instead of hanging, a circuit
/// breaker (``DatabaseBreakerDriver``, on MeetCore's ``CircuitBreaker``) so that once PostgreSQL is seen not to
/// answer, operations fail at once instead of each waiting that long, and
/// error classification into ``DatabaseError``.
public struct Database: Sendable {
    /// The pool requests go to now (a fresh one after an outage: ``PostgresPool``).
    public var client: PostgresClient { self.pool.current }
    private let pool: PostgresPool
    public let operationTimeout: Duration
    public let logger: Logger
    private let breaker: DatabaseBreakerDriver?

    public init(configuration: DatabaseConfiguration, logger: Logger) {
        let probeTimeout = min(configuration.operationTimeout, .seconds(1))
        // The breaker's own connection (the pool may still be backing off);
        // without a connection configuration (TLS context failed) probes go through the pool.
        let sentinel = (try? configuration.connectionConfiguration()).map { PostgresSentinel(configuration: $0, logger: logger) }
        let pool = PostgresPool(
            configuration: configuration.clientConfiguration, sentinel: sentinel, sentinelTimeout: probeTimeout, logger: logger)
        self.pool = pool
        self.operationTimeout = configuration.operationTimeout
        self.logger = logger
        let breaker = configuration.breakerDeadline.map { deadline in
            DatabaseBreakerDriver(deadline: deadline, floor: configuration.breakerFloor, logger: logger) { open in
                guard let sentinel else {
                    return (try? await withDeadline(probeTimeout) { try await pool.current.query("SELECT 1", logger: logger).collect() }) != nil
                }
                let answered = await sentinel.probe(timeout: probeTimeout)
                // Only a pool that backed off through an outage is replaced: a probe of a
                // slow operation (the breaker closed) must not cancel the pool it waits on.
                if answered && open { pool.replace() }
                return answered
            }
        }
        if let breaker { sentinel?.onLost { breaker.suspect() } }
        self.breaker = breaker
    }

    /// Whether the circuit breaker is open: operations fail at once.
    public var isBreakerOpen: Bool { self.breaker?.isOpen ?? false }

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
        return try await self.breaking {
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
            return try await self.breaking {
                do {
                    return try await withDeadline(self.operationTimeout, operation: operation)
                } catch {
                    throw DatabaseError(classifying: error)
                }
            }
        } catch {
            throw DatabaseError(classifying: error)
        }
    }

    /// Runs `operation` through the circuit breaker, when there is one.
    private func breaking<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        guard let breaker else { return try await operation() }
        return try await breaker.run(operation)
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

/// Runs the pool, so a ``Database`` can go straight into a `ServiceGroup`.
/// Put the ``Database`` there rather than its ``Database/client``: only then
/// is a pool that backs off after an outage replaced (``PostgresPool``).
extension Database: Service {
    public func run() async {
        await self.pool.run()
    }
}
