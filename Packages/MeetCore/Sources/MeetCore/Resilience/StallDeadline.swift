import Foundation

/// How long a ``CircuitBreaker`` waits for an answer before it takes the
/// dependency for stalled: learned from how late answers have come lately,
/// the way TCP learns its retransmission timeout (RFC 6298), between a
/// floor and a ceiling. Sans-I/O: the breaker reports latencies with the
/// current time.
///
/// **Why.** A hang can only be told from a slow answer by waiting, and a
/// fixed wait is wrong in one direction or the other: 500 ms made the first
/// requests of a Redis freeze hang half a second on an idle machine (a
/// healthy Redis answers in well under a millisecond), and still opened the
/// breaker on a live Redis when a loaded machine (load average 10–30 on two
/// cores) delayed an answer longer than that. So the deadline is
/// ``multiplier`` times the slowest recent answer, never under `floor`
/// (50 ms for Redis) nor over `ceiling`: tight while answers are quick,
/// wide as soon as they are slow.
///
/// **What counts as an answer's latency** (reported by the breaker):
/// operations answered, from when they went out; how late the breaker's
/// own stall check ran (a starved process, whose replies wait unread, is
/// as slow as a starved dependency); and a stall that ended in an answer
/// within the ceiling (a false alarm: the breaker opened, and the
/// dependency answered soon after; waiting that long would have been right).
///
/// The slowest recent latency halves every `halfLife` (30 s): one slow
/// moment widens the deadline for a minute or two, not for good. Before
/// the first latency is known the deadline is the ceiling (as TCP starts
/// from a conservative RTO): a new client's first command on a loaded
/// machine is no evidence of a stall.
public struct StallDeadline<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    public let floor: Duration
    public let ceiling: Duration
    public let halfLife: Duration
    /// Deadline = this × the slowest recent latency (RFC 6298 allows four
    /// deviations above the mean; the peak already includes the mean).
    public static var multiplier: Int { 4 }

    /// The slowest recent latency, as of `peakAt`.
    private var peak: Duration = .zero
    private var peakAt: Instant?

    /// A learning deadline between `floor` and `ceiling`.
    public init(floor: Duration, ceiling: Duration, halfLife: Duration = .seconds(30)) {
        self.floor = min(floor, ceiling)
        self.ceiling = ceiling
        self.halfLife = halfLife
    }

    /// Always `deadline`.
    public init(fixed deadline: Duration) {
        self.init(floor: deadline, ceiling: deadline)
    }

    /// The deadline now: between the floor and the ceiling. It changes
    /// only as latencies are reported (the decay is applied then).
    public var current: Duration {
        guard self.peakAt != nil else { return self.ceiling }
        return min(self.ceiling, max(self.floor, self.peak * Self.multiplier))
    }

    /// An answer took `latency`.
    public mutating func observe(_ latency: Duration, now: Instant) {
        guard self.floor < self.ceiling else { return }
        self.peak = max(latency, self.decayedPeak(now: now))
        self.peakAt = now
    }

    private func decayedPeak(now: Instant) -> Duration {
        guard let peakAt, self.peak > .zero else { return .zero }
        let halves = peakAt.duration(to: now) / self.halfLife
        guard halves > 0 else { return self.peak }
        // Below a tenth of the floor it no longer matters.
        let decayed = self.peak / pow(2, halves)
        return decayed < self.floor / 10 ? .zero : decayed
    }
}
