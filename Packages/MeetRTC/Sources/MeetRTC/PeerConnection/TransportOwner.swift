import NIOCore

/// What the transports of a connection (``ICETransport``, ``DTLSTransport``)
/// report to the `PeerConnection` that owns them, on its event loop: the
/// transports execute their own state machines' actions and hand up only
/// what changes the connection as a whole.
protocol TransportOwner: AnyObject {
    /// True once the connection closed or failed: transports do nothing more.
    var isTerminal: Bool { get }
    /// Counts a dropped datagram for the connection and its socket.
    func countDrop(_ reason: DropReason)
    /// A transport gave up: the connection fails at `stage`.
    func transportFailed(_ stage: PeerConnectionStage, _ reason: String)
    /// ICE has a nominated, validated address (the first time only).
    func iceTransportConnected()
    /// DTLS finished and the SRTP keys are installed: media can flow.
    func dtlsTransportConnected()
    /// The peer sent DTLS close_notify.
    func dtlsTransportClosedByPeer()
}

/// One re-armable, one-shot timer on an event loop (event loop only): the
/// deadline of one transport state machine.
struct LoopTimer {
    private var scheduled: Scheduled<Void>?
    /// When a timer armed by ``arm(on:notAfter:_:)`` is due; nil when none
    /// is (not armed that way, cancelled, or ``fired()``).
    private var due: ContinuousClock.Instant?

    /// (Re)arms the timer; `body` runs on `loop` after `delay` unless
    /// cancelled or re-armed first.
    mutating func arm(on loop: any EventLoop, in delay: TimeAmount, _ body: @escaping @Sendable () -> Void) {
        scheduled?.cancel()
        scheduled = loop.scheduleTask(in: delay, body)
        due = nil
    }

    /// Arms the timer for `deadline`, or leaves it as it is when it is
    /// armed for that instant or earlier already: it then fires early, and
    /// `body` must call ``fired()`` and arm it again for the deadline then.
    /// For a deadline that most events push later and that seldom fires
    /// (ICE consent: every valid check moves it): each move would otherwise
    /// cancel a scheduled task, a linear search of the loop's timer heap,
    /// and schedule another (docs/dev/sfu-idle.md, item 3).
    mutating func arm(
        on loop: any EventLoop, notAfter deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () -> Void
    ) {
        arm(on: loop, in: .until(deadline), notAfter: deadline, body)
    }

    /// ``arm(on:notAfter:_:)`` with the delay to `deadline` given (from a
    /// clock of the caller's: ``LoopTimers`` in tests runs a fake one).
    mutating func arm(
        on loop: any EventLoop, in delay: TimeAmount, notAfter deadline: ContinuousClock.Instant,
        _ body: @escaping @Sendable () -> Void
    ) {
        if let due, due <= deadline { return }
        arm(on: loop, in: delay, body)
        due = deadline
    }

    /// True while a scheduled body has neither run (``fired()``) nor been cancelled.
    var isArmed: Bool { scheduled != nil }

    /// The body of a timer armed by ``arm(on:notAfter:_:)`` runs: it is no longer armed.
    mutating func fired() {
        scheduled = nil
        due = nil
    }

    mutating func cancel() {
        scheduled?.cancel()
        scheduled = nil
        due = nil
    }
}

extension TimeAmount {
    /// A non-negative `TimeAmount` from a `Duration` (negative means "now").
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// The delay from now until `deadline` (zero when it passed).
    static func until(_ deadline: ContinuousClock.Instant) -> TimeAmount {
        TimeAmount(ContinuousClock.now.duration(to: deadline))
    }
}
