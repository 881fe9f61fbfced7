/// Whether operations may go to PostgreSQL right now, as a sans-I/O state
/// machine (issue #23): ``DatabaseBreakerDriver`` reports each operation's
/// start and end and the probes' outcomes, with the current time, and does
/// what this answers.
///
/// **Why.** While PostgreSQL is stopped, hung or cut off, the pool keeps
/// every operation waiting for a connection until its deadline (5 s), so a
/// request that needs the database hung that long before its 503 or
/// `unavailable`, and clients that retried stacked up more waiting ones.
///
/// **Rules.**
/// - *Closed* (normal): operations run. The breaker *opens* when an
///   operation fails without PostgreSQL having answered (no connection, its
///   deadline passed) and nothing else was answered since it started.
/// - An operation that has run for `deadline` with nothing answered since
///   it started makes PostgreSQL *suspect*: a probe (`SELECT 1` on a
///   connection of its own) decides. No answer opens the breaker; an answer
///   means PostgreSQL is alive and that operation is just slow (a long
///   transaction, a lock wait), and nothing changes.
/// - *Open*: operations are refused at once (``DatabaseError/unavailable(_:)``),
///   and one probe at a time asks whether it is back.
/// - The first answer PostgreSQL gives, to the probe or to an operation
///   that was still running, *closes* it.
struct DatabaseBreaker<Instant: InstantProtocol> where Instant.Duration == Duration {
    enum State: Equatable {
        case closed
        case open(since: Instant)
    }

    enum Admission: Equatable {
        /// Run the operation; report its end with this ticket.
        case run(UInt64)
        /// Refuse it. `probe`: no probe is on its way; start one.
        case reject(probe: Bool)
    }

    /// What a probe's outcome changed.
    struct ProbeOutcome: Equatable {
        /// How long the breaker had been open when this answer closed it.
        var closedAfter: Duration?
        /// The unanswered probe of a suspect opened the breaker.
        var opened = false
        /// Probe again (after the interval): the breaker is open.
        var again = false
    }

    private(set) var state: State = .closed
    private var running: [UInt64: Instant] = [:]
    private var nextTicket: UInt64 = 0
    private var lastAnswerAt: Instant?
    private(set) var isProbing = false
    let deadline: Duration

    init(deadline: Duration) {
        self.deadline = deadline
    }

    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    /// An operation is about to run.
    mutating func admit(now: Instant) -> Admission {
        if self.isOpen {
            let probe = !self.isProbing
            if probe { self.isProbing = true }
            return .reject(probe: probe)
        }
        self.nextTicket += 1
        self.running[self.nextTicket] = now
        return .run(self.nextTicket)
    }

    /// Whether to probe a suspect now: closed, no probe on its way, and an
    /// operation has run for `deadline` with nothing answered since it
    /// started. Claims the probe when so.
    mutating func suspect(now: Instant) -> Bool {
        guard !self.isOpen, !self.isProbing, let oldest = self.running.values.min(),
            oldest.duration(to: now) >= self.deadline, !self.answered(since: oldest)
        else { return false }
        self.isProbing = true
        return true
    }

    /// When to look for a suspect next (the oldest running operation's
    /// deadline); nil when nothing runs or the breaker is open.
    var nextCheck: Instant? {
        guard !self.isOpen, let oldest = self.running.values.min() else { return nil }
        return oldest.advanced(by: self.deadline)
    }

    /// The operation of `ticket` ended; `answered`: PostgreSQL answered it
    /// (rows, or a server error), as opposed to no connection or no answer
    /// in time. Returns how long the breaker had been open when this closed
    /// it; `opened` when this opened it.
    mutating func finished(_ ticket: UInt64, answered: Bool, now: Instant) -> (closedAfter: Duration?, opened: Bool) {
        guard let started = self.running.removeValue(forKey: ticket) else { return (nil, false) }
        if answered { return (self.answer(now: now), false) }
        guard !self.isOpen, !self.answered(since: started) else { return (nil, false) }
        self.state = .open(since: now)
        return (nil, true)
    }

    /// The probe ended. A probe stays claimed while another must follow.
    mutating func probeFinished(answered: Bool, now: Instant) -> ProbeOutcome {
        if answered {
            self.isProbing = false
            return ProbeOutcome(closedAfter: self.answer(now: now))
        }
        if !self.isOpen {
            self.state = .open(since: now)
            return ProbeOutcome(opened: true, again: true)
        }
        return ProbeOutcome(again: true)
    }

    /// Claims the probe after ``finished(_:answered:now:)`` opened the breaker.
    mutating func startProbe() -> Bool {
        guard self.isOpen, !self.isProbing else { return false }
        self.isProbing = true
        return true
    }

    private func answered(since start: Instant) -> Bool {
        guard let lastAnswerAt = self.lastAnswerAt else { return false }
        return lastAnswerAt >= start
    }

    private mutating func answer(now: Instant) -> Duration? {
        self.lastAnswerAt = now
        guard case .open(let since) = self.state else { return nil }
        self.state = .closed
        return since.duration(to: now)
    }
}
