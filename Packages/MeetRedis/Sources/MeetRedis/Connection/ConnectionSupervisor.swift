import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Keeps one ``RedisConnection`` alive: connects, waits for it to close,
/// backs off, reconnects, until shut down. The decisions come from
/// ``ReconnectStateMachine``; this type only executes them.
///
/// Callers ask ``connection()`` for a future that completes with the live
/// connection: immediately when there is one; when the connect in progress
/// succeeds (start-up, or the first retry after a connection was lost), so a
/// blip is waited out; but at once with ``RedisClientError/unavailable``
/// once a connect attempt has failed and until one succeeds, so that while
/// Redis is down requests fail fast with a clear error instead of each
/// waiting out its timeout.
///
/// Every established connection is announced to ``connectionEvents()``
/// listeners: a Redis without persistence that restarted has lost every
/// key, and their owners (presence, registries) re-write them.
final class ConnectionSupervisor: Sendable {
    private struct State {
        var connection: RedisConnection?
        var waiters: EventLoopPromise<RedisConnection>?
        var wakeUp: EventLoopPromise<Void>?
        var isShutdown = false
        /// A connect attempt failed and none has succeeded since.
        var isUnavailable = false
    }

    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let onPush: (@Sendable (RESPValue) -> Void)?
    private let onReply: (@Sendable () -> Void)?
    private let state = NIOLockedValueBox(State())
    private let listeners = EventListeners<Void>(buffer: 1)
    private let reconnects: Counter
    private let connectedGauge: Gauge

    init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        role: String,
        onPush: (@Sendable (RESPValue) -> Void)? = nil,
        onReply: (@Sendable () -> Void)? = nil
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.onPush = onPush
        self.onReply = onReply
        self.reconnects = Counter(label: "meet_redis_connects_total", dimensions: [("role", role)])
        self.connectedGauge = Gauge(label: "meet_redis_connected", dimensions: [("role", role)])
        self.connectedGauge.record(0)
    }

    /// Yields once each time a connection is established (the first and
    /// every reconnect), after it is usable; ends at shutdown. Events are
    /// coalesced: a slow listener sees at most one pending.
    func connectionEvents() -> AsyncStream<Void> {
        listeners.stream()
    }

    /// The live connection, now or once connected; fails with
    /// ``RedisClientError/shutdown`` after ``shutdown()``.
    func connection() -> EventLoopFuture<RedisConnection> {
        state.withLockedValue { state in
            if let connection = state.connection { return eventLoop.makeSucceededFuture(connection) }
            if state.isShutdown { return eventLoop.makeFailedFuture(RedisClientError.shutdown) }
            if state.isUnavailable { return eventLoop.makeFailedFuture(RedisClientError.unavailable) }
            if let waiters = state.waiters { return waiters.futureResult }
            let promise = eventLoop.makePromise(of: RedisConnection.self)
            state.waiters = promise
            return promise.futureResult
        }
    }

    /// Runs the connect/reconnect loop until ``shutdown()``, task
    /// cancellation or graceful shutdown. `onConnected` runs after each
    /// successful connect, before the connection is handed to waiters
    /// (the subscriber re-subscribes there).
    func run(onConnected: @Sendable (RedisConnection) async -> Void = { _ in }) async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop(onConnected: onConnected)
            } onCancel: {
                self.shutdown()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
    }

    private func loop(onConnected: @Sendable (RedisConnection) async -> Void) async {
        var machine = ReconnectStateMachine<ContinuousClock.Instant>(backoff: configuration.backoff)
        var random = SystemRandomNumberGenerator()
        var action = machine.start()
        var outageStart: ContinuousClock.Instant?
        while true {
            if state.withLockedValue({ $0.isShutdown }) { machine.shutdown() }
            switch action {
            case .connect:
                do {
                    let connection = try await RedisConnection.connect(
                        configuration: configuration, eventLoop: eventLoop, logger: logger, onPush: onPush,
                        onReply: onReply)
                    if state.withLockedValue({ $0.isShutdown }) { machine.shutdown() }
                    action = machine.connected(at: .now)
                    if action == .closeAndStop {
                        connection.close()
                        continue
                    }
                    reconnects.increment()
                    if let lost = outageStart {
                        logger.notice("redis connection restored", metadata: [
                            "after": "\(lost.duration(to: .now))", "attempts": "\(machine.attempt)",
                        ])
                    } else {
                        logger.debug("redis connected", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
                    }
                    outageStart = nil
                    await onConnected(connection)
                    publish(connection)
                    try? await connection.closeFuture.get()
                    unpublish(connection)
                    if state.withLockedValue({ $0.isShutdown }) {
                        machine.shutdown()
                    } else {
                        outageStart = .now
                        logger.warning("redis connection lost; reconnecting")
                    }
                    action = machine.connectionClosed(at: .now, using: &random)
                } catch {
                    let first = !markUnavailable()
                    // One warning per outage; the retries (at most one a second) only at debug.
                    logger.log(level: first ? .warning : .debug, "redis connect failed; requests fail until it answers", metadata: [
                        "error": "\(error)", "attempt": "\(machine.attempt)",
                    ])
                    if outageStart == nil { outageStart = .now }
                    action = machine.connectFailed(using: &random)
                }
            case .wait(let delay):
                await sleep(delay)
                if state.withLockedValue({ $0.isShutdown }) { machine.shutdown() }
                action = machine.waitElapsed()
            case .closeAndStop, .stop, .none:
                finish()
                return
            }
        }
    }

    /// Closes the connection and ends ``run(onConnected:)``; pending and
    /// future requests fail with ``RedisClientError/shutdown``.
    func shutdown() {
        let (connection, waiters, wakeUp) = state.withLockedValue { state in
            state.isShutdown = true
            defer { state.waiters = nil; state.wakeUp = nil }
            return (state.connection, state.waiters, state.wakeUp)
        }
        connection?.close()
        waiters?.fail(RedisClientError.shutdown)
        wakeUp?.succeed()
    }

    /// Fails every request waiting for a reply on the live connection (the
    /// circuit breaker opened: Redis hangs).
    func failPending(_ error: RedisClientError) {
        state.withLockedValue { $0.connection }?.failPending(error)
    }

    private func publish(_ connection: RedisConnection) {
        let (published, waiters) = state.withLockedValue { state -> (Bool, EventLoopPromise<RedisConnection>?) in
            if state.isShutdown {
                connection.close()
                return (false, nil)
            }
            state.connection = connection
            state.isUnavailable = false
            defer { state.waiters = nil }
            return (true, state.waiters)
        }
        guard published else { return }
        connectedGauge.record(1)
        waiters?.succeed(connection)
        listeners.yield(())
    }

    private func unpublish(_ connection: RedisConnection) {
        state.withLockedValue { state in
            if state.connection === connection { state.connection = nil }
        }
        connectedGauge.record(0)
    }

    /// Records a failed connect: waiting requests and later ones fail with
    /// ``RedisClientError/unavailable`` until a connect succeeds. Returns
    /// whether Redis was already marked unavailable.
    private func markUnavailable() -> Bool {
        let (wasUnavailable, waiters) = state.withLockedValue { state in
            defer { state.isUnavailable = true; state.waiters = nil }
            return (state.isUnavailable, state.waiters)
        }
        waiters?.fail(RedisClientError.unavailable)
        return wasUnavailable
    }

    private func finish() {
        let waiters = state.withLockedValue { state in
            state.isShutdown = true
            state.connection = nil
            defer { state.waiters = nil }
            return state.waiters
        }
        connectedGauge.record(0)
        waiters?.fail(RedisClientError.shutdown)
        listeners.finish()
    }

    /// Sleeps on the event loop; ``shutdown()`` wakes it early.
    private func sleep(_ delay: Duration) async {
        let promise = eventLoop.makePromise(of: Void.self)
        let proceed = state.withLockedValue { state in
            guard !state.isShutdown else { return false }
            state.wakeUp = promise
            return true
        }
        guard proceed else { promise.succeed(); return }
        let task = eventLoop.scheduleTask(in: .nanoseconds(RedisConnection.nanoseconds(delay))) { promise.succeed() }
        try? await promise.futureResult.get()
        task.cancel()
        state.withLockedValue { $0.wakeUp = nil }
    }
}
