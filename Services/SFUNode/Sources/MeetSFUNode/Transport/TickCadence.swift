/// The pace of a worker's RTCP timer (docs/dev/sfu-idle.md, "timers
/// proportional to the work"): every 20 ms while something on the worker
/// has work due; after a second with nothing due, one tick a second (each
/// one a report tick: receiver reports, REMB, the audio-level, dynacast and
/// allocation rounds, retirements still run, late by at most a second,
/// never lost); after a second with no transport at all, no tick. Any
/// work (``wake(now:)``: a packet, feedback, a control action) brings the
/// fast pace back at once.
///
/// Sans-I/O (STYLE habit 4): ``RTCPTicker`` feeds it the time and what each
/// tick found, and arms its NIO timer at the pace it answers; tests drive
/// it with their own instants.
struct TickCadence: Sendable {
    enum Pace: Sendable, Equatable {
        /// Every ``fastInterval``.
        case fast
        /// Every ``slowInterval``, each tick a report tick.
        case slow
        /// No tick until woken.
        case paused
    }

    /// What a tick found on the worker.
    enum Load: Sendable, Equatable {
        /// Something arrived since the last tick or is due within a second
        /// (media lately, a NACK or held keyframe request pending, a
        /// retirement, a speaker report not yet cleared, a control action).
        case busy
        /// Transports, and nothing due.
        case quiet
        /// No transport and nothing due.
        case empty
    }

    static let fastInterval = Duration.milliseconds(20)
    static let slowInterval = Duration.seconds(1)
    /// Receiver reports (RFC 3550 §6.4.2) and the other once-a-second work.
    static let reportInterval = Duration.seconds(1)
    /// Nothing due for this long before the timer slows down or pauses:
    /// the tick's own late work (the last transport-wide feedback, the
    /// "room went quiet" speaker report, the reports of departed
    /// transports) goes out meanwhile.
    static let quietBeforeSlowing = Duration.seconds(1)

    private(set) var pace = Pace.fast
    /// The last tick that found work, or the last wake; nil before the first tick.
    private var lastBusy: ContinuousClock.Instant?
    private var nextReport: ContinuousClock.Instant?

    /// At the start of a tick: whether the once-a-second work is due (every
    /// ``reportInterval`` at the fast pace, give or take half a tick; every
    /// tick at the slow pace).
    mutating func reportsDue(now: ContinuousClock.Instant) -> Bool {
        guard let next = nextReport else {
            nextReport = now + Self.reportInterval
            return pace == .slow
        }
        guard pace == .slow || now >= next - Self.fastInterval / 2 else { return false }
        nextReport = now + Self.reportInterval
        return true
    }

    /// After a tick: the pace from now on.
    mutating func paceAfterTick(now: ContinuousClock.Instant, load: Load) -> Pace {
        let since = lastBusy ?? now
        lastBusy = since
        switch load {
        case .busy:
            lastBusy = now
            pace = .fast
        case .quiet, .empty:
            if now - since >= Self.quietBeforeSlowing {
                pace = load == .empty ? .paused : .slow
            }
        }
        return pace
    }

    /// Work arrived: the fast pace from now on, for at least
    /// ``quietBeforeSlowing``. True when the pace changed (the caller re-arms its timer).
    mutating func wake(now: ContinuousClock.Instant) -> Bool {
        lastBusy = now
        guard pace != .fast else { return false }
        pace = .fast
        return true
    }
}
