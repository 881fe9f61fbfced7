import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The PostgresNIO pool behind ``Database``, replaceable while it runs.
///
/// **Why.** PostgresNIO's pool backs off between failed connects (100 ms ×
/// 1.25ⁿ, up to a minute, not configurable), so after an outage it kept
/// failing requests for up to that long after PostgreSQL answered again
/// (about 10 s after a 40 s outage). When the circuit breaker's own probe
/// (a fresh connection, outside the pool) finds PostgreSQL answering again,
/// ``Database`` asks for a fresh pool here: it connects at once, and the
/// old one, still backing off, is cancelled.
///
/// Replacing only happens while ``run()`` runs the pool; a caller that runs
/// ``current``'s `run()` itself keeps the first pool for good. ``run()``
/// also keeps the breaker's own connection (``PostgresSentinel``) open.
final class PostgresPool: Sendable {
    private struct State {
        var current: PostgresClient
        var isManaged = false
        var replacements: AsyncStream<Void>.Continuation?
    }

    private let configuration: PostgresClient.Configuration
    private let sentinel: PostgresSentinel?
    private let sentinelTimeout: Duration
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    init(configuration: PostgresClient.Configuration, sentinel: PostgresSentinel?, sentinelTimeout: Duration, logger: Logger) {
        self.configuration = configuration
        self.sentinel = sentinel
        self.sentinelTimeout = sentinelTimeout
        self.logger = logger
        self.state = NIOLockedValueBox(State(current: PostgresClient(configuration: configuration, backgroundLogger: logger)))
    }

    /// The pool requests go to now.
    var current: PostgresClient { self.state.withLockedValue { $0.current } }

    /// Asks ``run()`` for a fresh pool (coalesced; ignored when it does not run).
    func replace() {
        _ = self.state.withLockedValue { $0.replacements }?.yield()
    }

    /// Runs the current pool, and each fresh one after a ``replace()``,
    /// until cancelled or graceful shutdown.
    func run() async {
        let (replacements, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let first = self.state.withLockedValue { state in
            state.isManaged = true
            state.replacements = continuation
            return state.current
        }
        var running = Task { await first.run() }
        self.sentinel?.start(timeout: self.sentinelTimeout)
        defer { self.sentinel?.shutdown() }
        await withTaskCancellationHandler {
            for await _ in replacements.cancelOnGracefulShutdown() {
                let fresh = PostgresClient(configuration: self.configuration, backgroundLogger: self.logger)
                self.state.withLockedValue { $0.current = fresh }
                let old = running
                running = Task { await fresh.run() }
                old.cancel()
                self.logger.notice("PostgreSQL answers again; a fresh connection pool replaces the one backing off")
            }
        } onCancel: {
            continuation.finish()
        }
        continuation.finish()
        running.cancel()
        await running.value
    }
}
