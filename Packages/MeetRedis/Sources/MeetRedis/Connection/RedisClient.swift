public import Logging
import MeetCore
import Metrics
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
public import ServiceLifecycle

/// The Redis client every Meet process shares for commands (pub/sub has
/// its own connection: ``RedisSubscriber``).
///
/// **One multiplexed connection, no pool.** Redis executes commands one at
/// a time per server, so throughput comes from pipelining, not from more
/// sockets: every caller's command goes onto the same connection and replies
/// come back in order. Meet uses no blocking commands (BLPOP) and no
/// connection state (MULTI/WATCH; atomic work is done with EVAL), which are
/// the two things that would need separate connections.
///
/// Run it as a `Service` (or call ``run()`` in a task): it connects, and
/// reconnects with backoff (capped at ``ExponentialBackoff/maximum``, 250 ms
/// by default) after a loss. Requests made before the first
/// connection, or during the first retry after a loss, wait for it (up to
/// ``RedisConfiguration/requestTimeout``); once a connect attempt has
/// failed they fail at once with ``RedisClientError/unavailable`` until
/// Redis answers again. `meet_redis_connected{role="command"}` is 1 while
/// connected.
///
/// **A Redis that hangs fails fast too.** A frozen or partitioned Redis keeps
/// the connection open and answers nothing; a circuit breaker (MeetCore's
/// ``CircuitBreaker``, with the open-at-once policy: replies come in order,
/// so a probe on the same connection would only queue) opens when
/// a command has had no answer for the learned deadline (50 ms while Redis
/// answers quickly, up to ``RedisConfiguration/breakerDeadline``, 2 s, after
/// slow answers: ``StallDeadline``) while Redis answered nothing else, and from then on requests
/// fail at once with ``RedisClientError/unavailable``, and so do those
/// already sent and still waiting (Redis may yet run them when it resumes,
/// as after a timeout). One `PING` at a time probes; the first answer Redis
/// gives closes the breaker. One timer per client watches for the stall
/// (``CircuitBreakerDriver``), not one per command.
///
/// Metrics: `meet_redis_breaker_open{role}` (1 while open),
/// `meet_redis_breaker_opened_total{role}`, and
/// `meet_redis_breaker_rejected_total{role}` (commands refused while open).
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let supervisor: ConnectionSupervisor
    private let breaker: CircuitBreakerDriver?
    /// Between two probes that failed at once (no connection).
    private static let probeInterval: Duration = .milliseconds(100)
    private let logger: Logger
    private let commandCounter: Counter
    private let errorCounter: Counter
    private let timeoutCounter: Counter

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.logger = logger
        // The breaker's probe and its "fail what waits" act on the supervisor, which
        // needs the breaker's reply hook: set once, right below.
        let supervisorRef = NIOLockedValueBox<ConnectionSupervisor?>(nil)
        let eventLoop = eventLoopGroup.next()
        let breaker = configuration.breakerDeadline.map { deadline -> CircuitBreakerDriver in
            CircuitBreakerDriver(
                deadline: deadline, floor: configuration.breakerFloor, policy: .open, name: "redis", metricPrefix: "meet_redis_breaker",
                dimensions: [("role", "command")], probeInterval: Self.probeInterval, logger: logger,
                schedule: { instant, work in
                    let delay = max(.zero, ContinuousClock.now.duration(to: instant))
                    eventLoop.scheduleTask(in: .nanoseconds(RedisConnection.nanoseconds(delay))) { work() }
                },
                probe: { await Self.ping(supervisorRef.withLockedValue { $0 }, timeout: configuration.requestTimeout) },
                onOpen: { supervisorRef.withLockedValue { $0 }?.failPending(.unavailable) })
        }
        self.breaker = breaker
        let supervisor = ConnectionSupervisor(
            configuration: configuration, eventLoop: eventLoop, logger: logger, role: "command",
            onReply: Self.replyHook(breaker))
        supervisorRef.withLockedValue { $0 = supervisor }
        self.supervisor = supervisor
        self.commandCounter = Counter(label: "meet_redis_commands_total")
        self.errorCounter = Counter(label: "meet_redis_command_errors_total")
        self.timeoutCounter = Counter(label: "meet_redis_command_timeouts_total")
    }

    /// Connects and keeps reconnecting until graceful shutdown or cancellation.
    public func run() async throws {
        await supervisor.run { _ in }
    }

    /// Yields each time a connection is established, the first and every
    /// reconnect. A reconnect may mean Redis restarted and, without
    /// persistence, lost every key: owners of long-lived keys (presence,
    /// registries) listen here and re-write theirs at once instead of at
    /// their next periodic refresh.
    public func connectionEvents() -> AsyncStream<Void> {
        supervisor.connectionEvents()
    }

    /// Closes the connection; ``run()`` returns and later requests fail with
    /// ``RedisClientError/shutdown``.
    public func shutdown() {
        supervisor.shutdown()
    }

    /// Sends one command. A Redis error reply is thrown as
    /// ``RedisClientError/server(_:)``.
    @discardableResult
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let reply = try await pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply { throw RedisClientError.server(message) }
        return reply
    }

    @discardableResult
    public func send(_ name: String, _ arguments: String..., timeout: Duration? = nil) async throws -> RESPValue {
        try await send(RedisCommand(name, arguments), timeout: timeout)
    }

    /// Sends commands back to back in one write and returns their replies in
    /// the same order. Error replies are returned as ``RESPValue/error(_:)``
    /// values, so one failing command does not hide the others' results.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var ticket: CircuitBreakerDriver.Ticket?
        if let breaker {
            guard let admitted = breaker.admit(count: commands.count, sentLater: true) else {
                errorCounter.increment(by: commands.count)
                throw RedisClientError.unavailable
            }
            ticket = admitted
        }
        let eventLoop = supervisor.eventLoop
        let deadline = NIODeadline.now() + .nanoseconds(RedisConnection.nanoseconds(timeout ?? configuration.requestTimeout))
        let requests = commands.map { command -> (RedisCommand, EventLoopPromise<RESPValue>) in
            let promise = eventLoop.makePromise(of: RESPValue.self)
            RedisConnection.arm(promise, command: command.name, deadline: deadline)
            return (command, promise)
        }
        supervisor.connection().whenComplete { [self] result in
            switch result {
            case .success(let connection):
                connection.send(requests)
                if let ticket { breaker?.sent(ticket) }  // a stall counts from the write, not the wait for a connection
            case .failure(let error):
                for (_, promise) in requests { promise.fail(error) }
            }
        }
        commandCounter.increment(by: commands.count)
        // A failure is nothing the breaker acts on: only its stall timer opens it (a
        // command unanswered for the breaker deadline with nothing else answered). A
        // request's own timeout may be shorter (a slow script under a 50 ms timeout is
        // not an outage), and a lost or refused connection is the supervisor's to
        // handle (it fails requests at once while it cannot connect).
        var outcome = CircuitBreakerDriver.Outcome.abandoned
        defer { if let ticket { breaker?.finished(ticket, outcome) } }
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        for (command, promise) in requests {
            do {
                replies.append(try await promise.futureResult.get())
            } catch let error as RedisClientError {
                if case .timeout = error { timeoutCounter.increment() } else { errorCounter.increment() }
                logger.debug("redis command failed", metadata: ["command": "\(command.name)", "error": "\(error)"])
                throw error
            }
        }
        outcome = .answered
        return replies
    }

    /// One `PING` past the breaker (its probe): any answer closes it (the
    /// channel handler reports every reply). Nil once the client shut down.
    private static func ping(_ supervisor: ConnectionSupervisor?, timeout: Duration) async -> CircuitBreakerDriver.Outcome? {
        guard let supervisor else { return nil }
        let ping = supervisor.eventLoop.makePromise(of: RESPValue.self)
        RedisConnection.arm(ping, command: "PING", deadline: .now() + .nanoseconds(RedisConnection.nanoseconds(timeout)))
        supervisor.connection().whenComplete { result in
            switch result {
            case .success(let connection): connection.send([(RedisCommand("PING"), ping)])
            case .failure(let error): ping.fail(error)
            }
        }
        do {
            _ = try await ping.futureResult.get()
            return .answered
        } catch RedisClientError.shutdown {
            return nil
        } catch {
            return .abandoned  // still open: probe again
        }
    }

    private static func replyHook(_ breaker: CircuitBreakerDriver?) -> (@Sendable () -> Void)? {
        guard let breaker else { return nil }
        return { breaker.answered() }
    }

    /// Whether the circuit breaker is open: requests fail at once.
    public var isBreakerOpen: Bool { breaker?.isOpen ?? false }
}
