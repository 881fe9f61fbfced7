/// When a SIGTERM'd node stops: the drain's decisions, without signals,
/// sockets or sleeps (the caller passes the time in, so tests drive it with
/// instants of their own).
///
/// ```text
///            SIGTERM (0 transports)            ┌──────────────────────────┐
///  serving ─────────────────────────────────▶  │ announce, shut down      │ (empty)
///     │      SIGTERM (n > 0 transports)        └──────────────────────────┘
///     ├──────────────▶ draining ── count reaches 0 ──▶ shut down (empty)
///     │                   ├─────── deadline passed ──▶ shut down (timeout)
///     │                   └─────── SIGTERM / SIGINT ─▶ shut down (signal)
///     └── SIGINT ───────────────────────────────────▶ shut down (signal)
/// ```
///
/// A drain is *announced* (registry record `draining`, bus event
/// `sfu.node-draining`) on the first SIGTERM, even when the node then stops
/// at once, so ServerWS hears of it the same way every time. Once it has
/// decided to shut down, the policy ignores everything else.
public struct DrainPolicy: Sendable {
    /// The signals the node reacts to.
    public enum Signal: Sendable, Hashable {
        /// SIGTERM: drain (the first time), stop (the second).
        case terminate
        /// SIGINT: stop now (an operator at a terminal).
        case interrupt
    }

    /// Why the drain ended (the `reason` of the drain-end log and metric).
    public enum EndReason: String, Sendable, Hashable {
        /// No transports were left.
        case empty
        /// The drain timeout passed with transports still open.
        case timeout
        /// A second SIGTERM or a SIGINT.
        case signal
    }

    /// What the caller must do, in order.
    public enum Action: Sendable, Hashable {
        /// Stop taking transports and say so: registry record `draining`,
        /// event with this deadline.
        case announceDrain(deadline: ContinuousClock.Instant)
        /// Start the graceful shutdown (close what is left, remove the record, exit 0).
        case shutDown(EndReason)
    }

    enum State: Sendable, Hashable {
        case serving
        case draining(since: ContinuousClock.Instant, deadline: ContinuousClock.Instant)
        case stopped(EndReason)
    }

    /// How long a drain may last (`MEET_SFU_DRAIN_TIMEOUT`).
    public let timeout: Duration
    private(set) var state: State = .serving

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// When the running drain must end, if one runs (arm a timer for it).
    public var deadline: ContinuousClock.Instant? {
        if case .draining(_, let deadline) = state { return deadline }
        return nil
    }

    /// When the drain started, if one ran or runs (for its duration metric).
    public private(set) var startedAt: ContinuousClock.Instant?

    /// True once the policy has decided to shut down.
    public var isStopped: Bool {
        if case .stopped = state { return true }
        return false
    }

    /// A signal arrived; `transports` is how many the node holds now.
    public mutating func received(_ signal: Signal, transports: Int, now: ContinuousClock.Instant) -> [Action] {
        switch (state, signal) {
        case (.stopped, _):
            return []
        case (.serving, .interrupt), (.draining, _):
            return stop(.signal)
        case (.serving, .terminate):
            let deadline = now.advanced(by: timeout)
            state = .draining(since: now, deadline: deadline)
            startedAt = now
            return [.announceDrain(deadline: deadline)] + check(transports: transports, now: now)
        }
    }

    /// The node's transport count changed (or is reported again).
    public mutating func transportsChanged(to count: Int, now: ContinuousClock.Instant) -> [Action] {
        check(transports: count, now: now)
    }

    /// The timer armed for ``deadline`` fired (early or late: `now` decides).
    public mutating func timerFired(transports: Int, now: ContinuousClock.Instant) -> [Action] {
        check(transports: transports, now: now)
    }

    private mutating func check(transports: Int, now: ContinuousClock.Instant) -> [Action] {
        guard case .draining(_, let deadline) = state else { return [] }
        if transports <= 0 { return stop(.empty) }
        if now >= deadline { return stop(.timeout) }
        return []
    }

    private mutating func stop(_ reason: EndReason) -> [Action] {
        state = .stopped(reason)
        return [.shutDown(reason)]
    }
}
