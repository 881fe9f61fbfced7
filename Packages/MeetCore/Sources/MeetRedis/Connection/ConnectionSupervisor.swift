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
/// connection, immediately when there is one, or when the next connect
/// succeeds; requests therefore wait out short Redis outages (bounded by
/// their own timeout) instead of failing at once.
final class ConnectionSupervisor: Sendable {
    private struct State {
        var connection: RedisConnection?
        var waiters: EventLoopPromise<RedisConnection>?
        var wakeUp: EventLoopPromise<Void>?
        var isShutdown = false
    }

    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let onPush: (@Sendable (RESPValue) -> Void)?
    private let state = NIOLockedValueBox(State())
    private let reconnects: Counter

    init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        role: String,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.onPush = onPush
        self.reconnects = Counter(label: "meet_redis_connects_total", dimensions: [("role", role)])
    }

    /// The live connection, now or once connected; fails with
    /// ``RedisClientError/shutdown`` after ``shutdown()``.
    func connection() -> EventLoopFuture<RedisConnection> {
        state.withLockedValue { state in
            if let connection = state.connection { return eventLoop.makeSucceededFuture(connection) }
            if state.isShutdown { return eventLoop.makeFailedFuture(RedisClientError.shutdown) }
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
        while true {
            if state.withLockedValue({ $0.isShutdown }) { machine.shutdown() }
            switch action {
            case .connect:
                do {
                    let connection = try await RedisConnection.connect(
                        configuration: configuration, eventLoop: eventLoop, logger: logger, onPush: onPush)
                    if state.withLockedValue({ $0.isShutdown }) { machine.shutdown() }
                    action = machine.connected(at: .now)
                    if action == .closeAndStop {
                        connection.close()
                        continue
                    }
                    reconnects.increment()
                    logger.debug("redis connected", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
                    await onConnected(connection)
                    publish(connection)
                    try? await connection.closeFuture.get()
                    unpublish(connection)
                    if state.withLockedValue({ $0.isShutdown }) {
                        machine.shutdown()
                    } else {
                        logger.info("redis connection lost; reconnecting")
                    }
                    action = machine.connectionClosed(at: .now, using: &random)
                } catch {
                    logger.warning("redis connect failed", metadata: [
                        "error": "\(error)", "attempt": "\(machine.attempt)",
                    ])
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

    private func publish(_ connection: RedisConnection) {
        let waiters = state.withLockedValue { state in
            if state.isShutdown {
                connection.close()
                return EventLoopPromise<RedisConnection>?.none
            }
            state.connection = connection
            defer { state.waiters = nil }
            return state.waiters
        }
        waiters?.succeed(connection)
    }

    private func unpublish(_ connection: RedisConnection) {
        state.withLockedValue { state in
            if state.connection === connection { state.connection = nil }
        }
    }

    private func finish() {
        let waiters = state.withLockedValue { state in
            state.isShutdown = true
            state.connection = nil
            defer { state.waiters = nil }
            return state.waiters
        }
        waiters?.fail(RedisClientError.shutdown)
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
