import Logging
import MeetCore
import NIOConcurrencyHelpers

/// The PostgreSQL pool's circuit breaker (issue #23): MeetCore's
/// ``CircuitBreakerDriver`` with the probe-first policy (a slow operation
/// of a live PostgreSQL, a long transaction or a lock wait, is told from a
/// dead one by a `SELECT 1` on a connection of its own), and the
/// operations still waiting when it opens failed then.
///
/// **Why.** While PostgreSQL is stopped, hung or cut off, the pool keeps
/// every operation waiting for a connection until its deadline (5 s), so a
/// request that needs the database hung that long before its 503 or
/// `unavailable`, and clients that retried stacked up more waiting ones.
///
/// Metrics: `meet_database_breaker_open` (1 while open),
/// `meet_database_breaker_opened_total`, and
/// `meet_database_breaker_rejected_total` (operations refused while open).
final class DatabaseBreakerDriver: Sendable {
    private let driver: CircuitBreakerDriver
    /// Operations running when the breaker opens wait here to fail at once.
    private let opening: Opening

    /// - Parameter probe: one `SELECT 1` with its own short deadline; true
    ///   when answered. Its argument says whether the breaker is open (the
    ///   probe asks whether PostgreSQL is back) or not (it asks whether a
    ///   slow operation's PostgreSQL is alive): only the first may replace
    ///   the pool.
    init(
        deadline: Duration, floor: Duration? = nil, probeInterval: Duration = .milliseconds(200), logger: Logger,
        probe: @escaping @Sendable (_ open: Bool) async -> Bool
    ) {
        let opening = Opening()
        self.opening = opening
        let driverRef = NIOLockedValueBox<CircuitBreakerDriver?>(nil)
        let driver = CircuitBreakerDriver(
            deadline: deadline, floor: floor, policy: .probe, name: "PostgreSQL", metricPrefix: "meet_database_breaker",
            probeInterval: probeInterval, logger: logger,
            probe: { await probe(driverRef.withLockedValue { $0 }?.isOpen ?? false) ? .answered : .unanswered },
            onOpen: { opening.release() })
        driverRef.withLockedValue { $0 = driver }
        self.driver = driver
    }

    var isOpen: Bool { self.driver.isOpen }

    /// PostgreSQL may have gone away while nothing waits on it (it closed
    /// the breaker's own connection): probe now; no answer opens the breaker.
    func suspect() {
        self.driver.suspect()
    }

    /// Runs `operation` unless the breaker is open (then throws
    /// ``DatabaseError/unavailable(_:)`` at once). `operation` throws
    /// ``DatabaseError``s or errors of the caller's own (which mean
    /// PostgreSQL answered). An operation still running when the breaker
    /// opens fails then too, instead of at its own deadline.
    func run<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        guard let ticket = self.driver.admit() else {
            throw DatabaseError.unavailable("PostgreSQL does not answer (circuit breaker open); retry")
        }
        do {
            let value = try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    await self.opening.wait()
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw DatabaseError.unavailable("PostgreSQL stopped answering while this waited (circuit breaker open)")
                }
                return value
            }
            self.driver.finished(ticket, .answered)
            return value
        } catch {
            // A cancelled operation heard nothing from PostgreSQL: counting it
            // as an answer would keep a hung server's breaker closed for as
            // long as callers keep giving up.
            let outcome: CircuitBreakerDriver.Outcome =
                if case DatabaseError.unavailable = error { .unanswered }
                else if error is CancellationError { .abandoned }
                else { .answered }
            self.driver.finished(ticket, outcome)
            throw error
        }
    }
}

/// Waiters released together, each time the breaker opens.
private final class Opening: Sendable {
    private let waiters = NIOLockedValueBox<[UInt64: CheckedContinuation<Void, Never>]>([:])
    private let ids = NIOLockedValueBox<UInt64>(0)

    /// Returns at the next ``release()``, or when the task is cancelled.
    func wait() async {
        let id = self.ids.withLockedValue { $0 += 1; return $0 }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock `onCancel` takes too, so a cancellation
                // either finds the waiter or is seen here.
                let cancelled = self.waiters.withLockedValue { waiters in
                    if Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            self.waiters.withLockedValue { $0.removeValue(forKey: id) }?.resume()
        }
    }

    func release() {
        for waiter in self.waiters.withLockedValue({ waiters in
            defer { waiters = [:] }
            return Array(waiters.values)
        }) { waiter.resume() }
    }
}
