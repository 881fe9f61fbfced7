import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The circuit breaker's own PostgreSQL connection, outside the pool, kept
/// open while the pool runs: its probe (`SELECT 1`) goes over it, and its
/// closing is the first sign that PostgreSQL went away.
///
/// **Why.** When PostgreSQL stops (`pg_ctl stop`, a crash, a failover) it
/// closes every connection at once, but the pool's idle connections tell
/// nobody: the next operation waited for a pool connection (the pool
/// retries refused connects without failing it) until the breaker's stall
/// deadline (250 ms) and a probe, so the first requests of an outage took
/// a quarter of a second or more (docs/benchmarks.md, issue #23). This
/// connection closing makes the breaker probe at once; the probe's connect
/// is refused and the breaker opens before any request waits. Kept open,
/// it also makes a probe of a slow but live PostgreSQL one round trip
/// rather than a new connection (a new server process) each time.
///
/// Keeping runs from ``start()`` to ``shutdown()`` (``PostgresPool/run()``
/// calls both). Outside that window a probe connects, asks and closes.
final class PostgresSentinel: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var isKeeping = false
        var onLost: (@Sendable () -> Void)?
    }

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Called when the kept connection closes while it is kept (not after
    /// ``shutdown()``): the breaker probes.
    func onLost(_ handler: @escaping @Sendable () -> Void) {
        self.state.withLockedValue { $0.onLost = handler }
    }

    /// Starts keeping a connection: connects now, in the background.
    func start(timeout: Duration) {
        self.state.withLockedValue { $0.isKeeping = true }
        Task { _ = await self.probe(timeout: timeout) }
    }

    /// Stops keeping, and closes the kept connection.
    func shutdown() {
        let connection = self.state.withLockedValue { state in
            state.isKeeping = false
            defer { state.connection = nil }
            return state.connection
        }
        if let connection { Task { try? await connection.close() } }
    }

    /// `SELECT 1` within `timeout`, over the kept connection, or a new one
    /// when none is kept (kept from then on while keeping). True when
    /// PostgreSQL answered. A kept connection that does not answer within
    /// half the time is dropped and a new one tried in the other half: an
    /// idle connection a NAT or load balancer dropped silently must not
    /// open the breaker on a live PostgreSQL (review, session 9).
    func probe(timeout: Duration) async -> Bool {
        let logger = self.logger
        var remaining = timeout
        if let kept = self.state.withLockedValue({ $0.connection }), !kept.isClosed {
            let answered = (try? await withDeadline(timeout / 2) { try await kept.query("SELECT 1", logger: logger).collect() }) != nil
            if answered { return true }
            self.drop(kept)
            remaining = timeout / 2
        }
        return await self.connectAndProbe(timeout: remaining)
    }

    /// A new connection's `SELECT 1` within `timeout`; kept when keeping.
    ///
    /// The connection never leaves the operation: it is kept (or closed)
    /// inside it. Returned through ``withDeadline`` it would be dropped
    /// unclosed when the deadline won the race with a probe that had just
    /// answered (the group discards the late result), which PostgresNIO
    /// asserts against ("deinitialized before being closed": meet-ws
    /// crashed so, in a debug build, on a machine at load 30).
    private func connectAndProbe(timeout: Duration) async -> Bool {
        let logger = self.logger
        let configuration = self.configuration
        return (try? await withDeadline(timeout, operation: { () async throws -> Bool in
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                try Task.checkCancellation()
                _ = try await connection.query("SELECT 1", logger: logger).collect()
                try Task.checkCancellation()
            } catch {
                try? await connection.close()
                throw error
            }
            self.keep(connection)
            return true
        })) ?? false
    }

    /// Keeps `connection` when keeping and none is kept; else closes it.
    private func keep(_ connection: PostgresConnection) {
        let kept = self.state.withLockedValue { state -> Bool in
            guard state.isKeeping, state.connection.map({ $0.isClosed }) ?? true else { return false }
            state.connection = connection
            return true
        }
        guard kept else {
            Task { try? await connection.close() }
            return
        }
        connection.closeFuture.whenComplete { _ in self.closed(connection) }
    }

    /// The kept connection closed: tell the breaker, unless keeping ended.
    private func closed(_ connection: PostgresConnection) {
        let lost = self.state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard state.connection === connection else { return nil }
            state.connection = nil
            return state.isKeeping ? state.onLost : nil
        }
        guard let lost else { return }
        self.logger.notice("PostgreSQL closed the circuit breaker's own connection; probing")
        lost()
    }

    private func drop(_ connection: PostgresConnection) {
        let dropped = self.state.withLockedValue { state -> Bool in
            guard state.connection === connection else { return false }
            state.connection = nil
            return true
        }
        if dropped { Task { try? await connection.close() } }
    }
}
