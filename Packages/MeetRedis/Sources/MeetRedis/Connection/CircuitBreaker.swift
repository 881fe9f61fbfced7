import Logging
import Metrics
import NIOConcurrencyHelpers

/// Whether commands may go to Redis right now, as a sans-I/O state machine
/// (issue #23, finding 2): ``RedisClient`` reports what it sends, what Redis
/// answers and when the connection is lost, with the current time, and does
/// what this answers. Time is an input, so tests drive it with made-up
/// instants and no sleeping.
///
/// **Why.** A Redis that hangs (SIGSTOP, a stuck disk, a partition) keeps the
/// TCP connection open, so without this every request waits out the full
/// request timeout (5 s) before failing, and a caller that retries stacks up
/// more waiting requests. A dead connection is noticed by the supervisor; a
/// silent one only by its silence.
///
/// **Rules.**
/// - *Closed* (normal): every command is sent. When a command has had no
///   answer for `deadline` and Redis answered nothing at all since it was
///   sent (replies come back in order, so any reply is progress), Redis is
///   stalled: the breaker *opens*.
/// - *Open*: commands are refused at once (the caller fails them with
///   ``RedisClientError/unavailable``), and one probe (a `PING`) at a time
///   asks Redis whether it is back.
/// - The first answer Redis gives, to the probe or to any command sent
///   before, *closes* it.
struct CircuitBreaker<Instant: InstantProtocol> where Instant.Duration == Duration {
    enum State: Equatable {
        case closed
        case open(since: Instant)
    }

    enum Admission: Equatable {
        /// Send the command.
        case send
        /// Refuse it with ``RedisClientError/unavailable``.
        case reject
    }

    private(set) var state: State = .closed
    /// When Redis last answered anything on the current connection.
    private(set) var lastReplyAt: Instant?
    /// A probe is on its way: no second one until it is answered or fails.
    private(set) var isProbing = false
    /// How long a command may go unanswered, with nothing else answered
    /// either, before Redis counts as stalled.
    let deadline: Duration

    init(deadline: Duration) {
        self.deadline = deadline
    }

    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    /// A command is about to be sent.
    func admit() -> Admission {
        self.isOpen ? .reject : .send
    }

    /// A command sent at `sentAt` is still unanswered `deadline` later
    /// (`now`). Returns true when this opened the breaker: the caller then
    /// starts probing (``startProbe()``).
    mutating func unanswered(sentAt: Instant, now: Instant) -> Bool {
        guard !self.isOpen, sentAt.duration(to: now) >= self.deadline else { return false }
        if let lastReplyAt = self.lastReplyAt, lastReplyAt > sentAt { return false }  // Redis is making progress
        self.state = .open(since: now)
        return true
    }

    /// The connection closed (reported when the next one is up, before it
    /// carries anything): what it answered says nothing about the next.
    /// (A dead connection does not open the breaker: ``ConnectionSupervisor``
    /// already fails requests at once while it cannot connect, and waits out
    /// a blip shorter than its first retry.)
    mutating func connectionLost() {
        self.lastReplyAt = nil
    }

    /// Redis answered something. Returns how long the breaker had been open
    /// when this closed it, nil when it was closed already.
    mutating func replied(now: Instant) -> Duration? {
        self.lastReplyAt = now
        guard case .open(let since) = self.state else { return nil }
        self.state = .closed
        self.isProbing = false
        return since.duration(to: now)
    }

    /// Whether to send a probe now (open, and none on its way); marks one as
    /// on its way when so.
    mutating func startProbe() -> Bool {
        guard self.isOpen, !self.isProbing else { return false }
        self.isProbing = true
        return true
    }

    /// The probe failed (timeout, no connection). Returns whether to send
    /// another (after the probe interval): only while the breaker is open.
    mutating func probeFailed() -> Bool {
        self.isProbing = false
        return self.isOpen
    }
}

/// Runs one ``CircuitBreaker`` for ``RedisClient``: the lock, the clock, the
/// metrics and the log lines; the client sends the commands and the probes.
///
/// Metrics: `meet_redis_breaker_open{role}` (1 while open),
/// `meet_redis_breaker_opened_total{role}`, and
/// `meet_redis_breaker_rejected_total{role}` (commands refused while open).
final class CircuitBreakerDriver: Sendable {
    private let machine: NIOLockedValueBox<CircuitBreaker<ContinuousClock.Instant>>
    private let logger: Logger
    private let openGauge: Gauge
    private let opened: Counter
    private let rejected: Counter

    init(deadline: Duration, role: String, logger: Logger) {
        self.machine = NIOLockedValueBox(CircuitBreaker(deadline: deadline))
        self.logger = logger
        self.openGauge = Gauge(label: "meet_redis_breaker_open", dimensions: [("role", role)])
        self.opened = Counter(label: "meet_redis_breaker_opened_total", dimensions: [("role", role)])
        self.rejected = Counter(label: "meet_redis_breaker_rejected_total", dimensions: [("role", role)])
        self.openGauge.record(0)
    }

    var deadline: Duration { self.machine.withLockedValue { $0.deadline } }
    var isOpen: Bool { self.machine.withLockedValue { $0.isOpen } }

    /// Whether `count` commands may be sent now; counts them as refused when not.
    func admit(count: Int) -> Bool {
        let admitted = self.machine.withLockedValue { $0.admit() } == .send
        if !admitted { self.rejected.increment(by: count) }
        return admitted
    }

    /// A command sent at `sentAt` is still unanswered after the deadline.
    /// Returns true when the breaker opened (the caller starts probing).
    func unanswered(sentAt: ContinuousClock.Instant, command: String) -> Bool {
        let opened = self.machine.withLockedValue { $0.unanswered(sentAt: sentAt, now: .now) }
        if opened {
            self.openGauge.record(1)
            self.opened.increment()
            self.logger.warning(
                "redis does not answer; circuit breaker open, requests fail at once until a probe is answered",
                metadata: ["command": "\(command)", "deadline": "\(self.deadline)"])
        }
        return opened
    }

    /// Redis answered something (called from the channel handler).
    func replied() {
        guard let wasOpen = self.machine.withLockedValue({ $0.replied(now: .now) }) else { return }
        self.openGauge.record(0)
        self.logger.notice("redis answers again; circuit breaker closed", metadata: ["open.for": "\(wasOpen)"])
    }

    func connectionLost() {
        self.machine.withLockedValue { $0.connectionLost() }
    }

    func startProbe() -> Bool { self.machine.withLockedValue { $0.startProbe() } }
    func probeFailed() -> Bool { self.machine.withLockedValue { $0.probeFailed() } }
}
