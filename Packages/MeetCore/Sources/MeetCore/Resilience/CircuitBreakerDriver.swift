public import Logging
import Metrics
import NIOConcurrencyHelpers

/// Runs one ``CircuitBreaker`` for a client (the Redis command connection,
/// the PostgreSQL pool): the lock, the clock, one stall timer, the probe
/// loop, the metrics and the log lines. The client reports its operations
/// and the answers it sees, and supplies the probe and what to do when the
/// breaker opens (fail what is still waiting).
///
/// **One timer per client, not per operation.** It sleeps until
/// ``CircuitBreaker/nextCheck`` (the oldest running operation's deadline,
/// or the last answer's), checks, and sets itself again while operations
/// run; a burst of requests costs no timers.
///
/// Metrics, under `metricPrefix` (`meet_redis_breaker`,
/// `meet_database_breaker`) with the given dimensions: `_open` (1 while
/// open), `_opened_total`, and `_rejected_total` (operations refused while
/// open).
public final class CircuitBreakerDriver: Sendable {
    public typealias Machine = CircuitBreaker<ContinuousClock.Instant>
    public typealias Ticket = Machine.Ticket
    public typealias Outcome = Machine.Outcome
    /// Runs `work` at `instant` (the stall timer).
    public typealias Schedule = @Sendable (_ instant: ContinuousClock.Instant, _ work: @escaping @Sendable () -> Void) -> Void

    /// A task that sleeps until the instant.
    public static let taskSchedule: Schedule = { instant, work in
        Task {
            try? await Task.sleep(until: instant, clock: .continuous)
            work()
        }
    }

    private let machine: NIOLockedValueBox<Machine>
    /// The dependency, as the log lines name it.
    private let name: String
    private let probe: @Sendable () async -> Outcome?
    private let onOpen: @Sendable () -> Void
    private let schedule: Schedule
    private let probeInterval: Duration
    private let logger: Logger
    private let openGauge: Gauge
    private let opened: Counter
    private let rejected: Counter
    /// Whether the stall timer is set.
    private let timer = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - probe: asks the dependency once, with a short deadline of its own,
    ///     without going through the breaker; nil when the client has shut
    ///     down (no more probes).
    ///   - onOpen: called each time the breaker opens: fail the operations
    ///     still waiting now rather than at their own deadlines.
    ///   - schedule: runs the stall timer. Redis passes its connection's event
    ///     loop: the answers are read there too, so on a starved machine the
    ///     loop reads a reply that arrived before the deadline before it runs
    ///     the check, instead of a task on another thread finding it unread.
    ///   - deadline: the stall deadline; with `floor`, the longest it is
    ///     learned to be (``StallDeadline``).
    public init(
        deadline: Duration, floor: Duration? = nil, policy: Machine.StallPolicy, name: String, metricPrefix: String,
        dimensions: [(String, String)] = [], probeInterval: Duration, logger: Logger,
        schedule: @escaping Schedule = CircuitBreakerDriver.taskSchedule,
        probe: @escaping @Sendable () async -> Outcome?, onOpen: @escaping @Sendable () -> Void
    ) {
        self.machine = NIOLockedValueBox(Machine(deadline: deadline, policy: policy, floor: floor))
        self.name = name
        self.probe = probe
        self.onOpen = onOpen
        self.schedule = schedule
        self.probeInterval = probeInterval
        self.logger = logger
        self.openGauge = Gauge(label: "\(metricPrefix)_open", dimensions: dimensions)
        self.opened = Counter(label: "\(metricPrefix)_opened_total", dimensions: dimensions)
        self.rejected = Counter(label: "\(metricPrefix)_rejected_total", dimensions: dimensions)
        self.openGauge.record(0)
    }

    public var deadline: Duration { self.machine.withLockedValue { $0.deadline } }
    public var isOpen: Bool { self.machine.withLockedValue { $0.isOpen } }

    /// Admits one operation (`count` requests travelling together, as a
    /// Redis pipeline, are counted as refused together). Nil: refused, the
    /// caller fails it with its "unavailable" error. `sentLater`: report
    /// ``sent(_:)`` when it goes out; its stall counts from then.
    public func admit(count: Int = 1, sentLater: Bool = false) -> Ticket? {
        switch self.machine.withLockedValue({ $0.admit(now: .now, sentLater: sentLater) }) {
        case .run(let ticket):
            self.scheduleCheck()
            return ticket
        case .reject(let probe):
            self.rejected.increment(by: count)
            if probe { self.probeInBackground() }
            return nil
        }
    }

    /// The operation of `ticket`, admitted with `sentLater`, went out now.
    public func sent(_ ticket: Ticket) {
        self.machine.withLockedValue { $0.sent(ticket, now: .now) }
        self.scheduleCheck()
    }

    /// The operation of `ticket` ended.
    public func finished(_ ticket: Ticket, _ outcome: Outcome) {
        let (closedAfter, opened) = self.machine.withLockedValue { $0.finished(ticket, outcome, now: .now) }
        if let closedAfter { self.noteClosed(after: closedAfter) }
        if opened { self.noteOpened(startProbe: true) }
    }

    /// The dependency answered something (a Redis reply of any command).
    public func answered() {
        if let closedAfter = self.machine.withLockedValue({ $0.answered(now: .now) }) { self.noteClosed(after: closedAfter) }
    }

    /// The client saw a sign that the dependency went away while no
    /// operation waits on it (PostgreSQL closed the breaker's own idle
    /// connection): probe now, unless open or probing already. An
    /// unanswered probe opens the breaker before any request has to wait.
    public func suspect() {
        guard self.machine.withLockedValue({ $0.suspect() }) else { return }
        Task {
            await self.probeWhileNeeded()
            self.scheduleCheck()
        }
    }

    /// Sets the one stall timer, unless it is set or nothing runs. After a
    /// probe of a suspect it is set again from that probe's answer.
    private func scheduleCheck() {
        // The flag first: while a timer is set (the common case under load), an
        // operation costs no scan of the running ones.
        guard self.timer.withLockedValue({ scheduled in
            defer { scheduled = true }
            return !scheduled
        }) else { return }
        guard let next = self.machine.withLockedValue({ $0.nextCheck }) else {
            self.timer.withLockedValue { $0 = false }
            // An operation may have started between the two locks: look once more.
            if self.machine.withLockedValue({ $0.nextCheck }) != nil { self.scheduleCheck() }
            return
        }
        self.schedule(next) {
            self.timer.withLockedValue { $0 = false }
            switch self.machine.withLockedValue({ $0.check(now: .now) }) {
            case .nothing:
                self.scheduleCheck()
            case .opened:
                self.noteOpened(startProbe: true)
            case .probe:
                Task {
                    await self.probeWhileNeeded()
                    self.scheduleCheck()
                }
            }
        }
    }

    /// Counts and logs an opening, fails what waits, and starts probing.
    private func noteOpened(startProbe: Bool) {
        self.onOpen()
        self.openGauge.record(1)
        self.opened.increment()
        self.logger.warning(
            "\(self.name) does not answer; circuit breaker open, requests fail at once until a probe is answered",
            metadata: ["deadline": "\(self.deadline)"])
        if startProbe, self.machine.withLockedValue({ $0.startProbe() }) { self.probeInBackground() }
    }

    private func probeInBackground() {
        Task { await self.probeWhileNeeded() }
    }

    /// Probes (the probe is claimed) until one ends without asking for
    /// another: an answer, or the breaker closed meanwhile.
    private func probeWhileNeeded() async {
        while true {
            guard let outcome = await self.probe() else { return }
            let result = self.machine.withLockedValue { $0.probeFinished(outcome, now: .now) }
            if result.opened { self.noteOpened(startProbe: false) }
            if let closedAfter = result.closedAfter { self.noteClosed(after: closedAfter) }
            guard result.again else { return }
            try? await Task.sleep(for: self.probeInterval)
        }
    }

    private func noteClosed(after duration: Duration) {
        self.openGauge.record(0)
        self.logger.notice("\(self.name) answers again; circuit breaker closed", metadata: ["open.for": "\(duration)"])
    }
}
