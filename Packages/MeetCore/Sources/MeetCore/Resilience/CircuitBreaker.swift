/// Whether operations may go to a dependency (Redis, PostgreSQL) right now,
/// as a sans-I/O state machine (issue #23): a ``CircuitBreakerDriver``
/// reports each operation's start and end, every answer the dependency
/// gives, its timer and its probes' outcomes, with the current time, and
/// does what this answers. Time is an input, so tests drive it with made-up
/// instants and no sleeping. One type for both dependencies; they differ
/// only in their ``StallPolicy``.
///
/// **Why.** A dependency that hangs (SIGSTOP, a stuck disk, a partition)
/// keeps its connections open and answers nothing, so without this every
/// request waits out its full timeout (5 s) before failing, and callers that
/// retry stack up more waiting requests.
///
/// **Rules.**
/// - *Closed* (normal): operations run. The dependency *stalls* when an
///   operation has run for `deadline` and nothing at all has been answered
///   since it started. What a stall means is the ``StallPolicy``'s: open at
///   once, or probe first. The deadline is fixed, or learned from recent
///   latencies between a floor and a ceiling (``StallDeadline``).
/// - An operation that fails *unanswered* (its deadline passed, no
///   connection) while nothing was answered since it started opens it.
/// - *Open*: operations are refused at once, and one probe at a time asks
///   whether the dependency is back.
/// - The first answer, to the probe or to any operation, *closes* it.
public struct CircuitBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    public enum State: Equatable, Sendable {
        case closed
        case open(since: Instant)
    }

    /// What a stall means.
    public enum StallPolicy: Sendable {
        /// Open at once. Redis: one connection whose replies come in order,
        /// so a probe would only queue behind the stalled command.
        case open
        /// Ask a probe first (on a connection of its own): no answer opens
        /// it, an answer means the operation is just slow (a long
        /// transaction, a lock wait). PostgreSQL.
        case probe
    }

    /// How an operation or a probe ended.
    public enum Outcome: Equatable, Sendable {
        /// The dependency answered (a result, or an error of its own).
        case answered
        /// It did not answer in time, or could not be reached.
        case unanswered
        /// Says nothing about the dependency (cancelled, the client shut
        /// down, a connection the client's supervisor already handles).
        case abandoned
    }

    public struct Ticket: Hashable, Sendable {
        let id: UInt64
    }

    public enum Admission: Equatable, Sendable {
        /// Run the operation; report its end with this ticket.
        case run(Ticket)
        /// Refuse it. `probe`: no probe was on its way; the caller starts one.
        case reject(probe: Bool)
    }

    /// What a timer check found.
    public enum Check: Equatable, Sendable {
        case nothing
        /// The breaker opened (``StallPolicy/open``): fail what is waiting, start a probe.
        case opened
        /// Start a probe (``StallPolicy/probe``); it is claimed.
        case probe
    }

    /// What a probe's end changed.
    public struct ProbeOutcome: Equatable, Sendable {
        /// How long the breaker had been open when this answer closed it.
        public var closedAfter: Duration?
        /// The unanswered probe of a suspect opened the breaker.
        public var opened = false
        /// Probe again (after the interval): the breaker is open. The probe stays claimed.
        public var again = false

        public init(closedAfter: Duration? = nil, opened: Bool = false, again: Bool = false) {
            self.closedAfter = closedAfter
            self.opened = opened
            self.again = again
        }
    }

    public private(set) var state: State = .closed
    /// When the dependency last answered anything.
    public private(set) var lastAnswerAt: Instant?
    /// A probe is on its way: no second one until it ends.
    public private(set) var isProbing = false
    /// Operations on their way to the dependency, since when.
    private var running: [Ticket: Instant] = [:]
    /// Admitted, but not sent yet (waiting for a connection): no stall of theirs counts.
    private var unsent: Set<Ticket> = []
    private var nextTicket: UInt64 = 0
    private var stall: StallDeadline<Instant>
    /// The deadline in force when a stall opened the breaker (a false alarm
    /// that ends soon is learned from: ``answered(now:)``).
    private var openedByStall: Duration?
    public let policy: StallPolicy

    /// - Parameters:
    ///   - deadline: the stall deadline; with `floor`, its ceiling.
    ///   - floor: learn the deadline from recent latencies, never below this
    ///     (``StallDeadline``); nil: always `deadline`.
    public init(deadline: Duration, policy: StallPolicy, floor: Duration? = nil) {
        self.stall = floor.map { StallDeadline(floor: $0, ceiling: deadline) } ?? StallDeadline(fixed: deadline)
        self.policy = policy
    }

    /// How long an operation may go unanswered now (``StallDeadline/current``).
    public var deadline: Duration { self.stall.current }
    /// The longest the deadline becomes.
    public var ceiling: Duration { self.stall.ceiling }

    public var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    /// An operation is about to run. `sentLater`: it counts only from
    /// ``sent(_:now:)`` (a Redis command admitted before its connection is
    /// up: a slow connect is the supervisor's business, not a stall).
    public mutating func admit(now: Instant, sentLater: Bool = false) -> Admission {
        if self.isOpen {
            let probe = !self.isProbing
            if probe { self.isProbing = true }
            return .reject(probe: probe)
        }
        self.nextTicket += 1
        let ticket = Ticket(id: self.nextTicket)
        if sentLater { self.unsent.insert(ticket) } else { self.running[ticket] = now }
        return .run(ticket)
    }

    /// The operation of `ticket`, admitted with `sentLater`, went out at `now`.
    public mutating func sent(_ ticket: Ticket, now: Instant) {
        if self.unsent.remove(ticket) != nil { self.running[ticket] = now }
    }

    /// The dependency answered something. Returns how long the breaker had
    /// been open when this closed it; nil when it was closed already.
    public mutating func answered(now: Instant) -> Duration? {
        self.lastAnswerAt = now
        guard case .open(let since) = self.state else { return nil }
        self.state = .closed
        let openFor = since.duration(to: now)
        if let waited = self.openedByStall, waited + openFor <= self.stall.ceiling {
            // A false alarm: the stalled command would have been answered within
            // the ceiling. Wait that long next time.
            self.stall.observe(waited + openFor, now: now)
        }
        self.openedByStall = nil
        return openFor
    }

    /// The operation of `ticket` ended. Returns how long the breaker had
    /// been open when this closed it, and whether this opened it.
    public mutating func finished(_ ticket: Ticket, _ outcome: Outcome, now: Instant) -> (closedAfter: Duration?, opened: Bool) {
        guard let started = self.running.removeValue(forKey: ticket) ?? self.unsent.remove(ticket).map({ _ in now }) else {
            return (nil, false)
        }
        switch outcome {
        case .answered:
            self.stall.observe(started.duration(to: now), now: now)
            return (self.answered(now: now), false)
        case .abandoned:
            return (nil, false)
        case .unanswered:
            guard !self.isOpen, !self.answered(since: started) else { return (nil, false) }
            self.state = .open(since: now)
            self.openedByStall = nil
            return (nil, true)
        }
    }

    /// When to look for a stall next: `deadline` after the start of the
    /// oldest running operation that nothing has been answered since (one
    /// that started before the last answer is making progress, however
    /// slow: a long transaction of a live PostgreSQL); nil when there is
    /// none, the breaker is open, or a probe is on its way (its end decides,
    /// and the driver looks again then: a deadline already past here would
    /// make the driver's timer fire again at once for as long as the probe
    /// runs).
    public var nextCheck: Instant? {
        guard !self.isOpen, !self.isProbing else { return nil }
        var oldest: Instant?
        for start in self.running.values where !self.answered(since: start) {
            if oldest.map({ start < $0 }) ?? true { oldest = start }
        }
        return oldest?.advanced(by: self.deadline)
    }

    /// The timer fired: whether the dependency stalled, and what to do.
    public mutating func check(now: Instant) -> Check {
        guard let due = self.nextCheck, due <= now else { return .nothing }
        // How late this check runs is how starved this process is: replies may
        // be waiting unread for as long. Learned like an answer's latency, so a
        // starved process widens its own deadline instead of blaming the dependency.
        let deadline = self.deadline
        self.stall.observe(due.duration(to: now), now: now)
        if self.deadline > deadline, let later = self.nextCheck, later > now { return .nothing }
        switch self.policy {
        case .open:
            self.state = .open(since: now)
            self.openedByStall = self.deadline
            return .opened
        case .probe:
            guard !self.isProbing else { return .nothing }
            self.isProbing = true
            return .probe
        }
    }

    /// The client saw a sign that the dependency went away while no
    /// operation waits on it (a connection of its own closed by the
    /// server): claims a probe, true when the caller should start one. Its
    /// unanswered end opens the breaker (``probeFinished(_:now:)``), its
    /// answer changes nothing.
    public mutating func suspect() -> Bool {
        guard !self.isOpen, !self.isProbing else { return false }
        self.isProbing = true
        return true
    }

    /// Claims the probe after the breaker opened (``check(now:)`` or
    /// ``finished(_:_:now:)``): true when the caller should start one.
    public mutating func startProbe() -> Bool {
        guard self.isOpen, !self.isProbing else { return false }
        self.isProbing = true
        return true
    }

    /// The probe ended.
    public mutating func probeFinished(_ outcome: Outcome, now: Instant) -> ProbeOutcome {
        switch outcome {
        case .answered:
            self.isProbing = false
            return ProbeOutcome(closedAfter: self.answered(now: now))
        case .unanswered where !self.isOpen:
            self.state = .open(since: now)
            self.openedByStall = nil
            return ProbeOutcome(opened: true, again: true)
        case .unanswered, .abandoned:
            guard self.isOpen else {
                self.isProbing = false
                return ProbeOutcome()
            }
            return ProbeOutcome(again: true)
        }
    }

    private func answered(since start: Instant) -> Bool {
        guard let lastAnswerAt = self.lastAnswerAt else { return false }
        return lastAnswerAt >= start
    }
}
