/// Reconnect delays: `initial * multiplier^attempt`, capped at `maximum`, with
/// "full jitter" on a fraction of each delay so that many replicas that lost
/// Redis together do not reconnect in lock-step.
///
/// The default cap is 250 ms: after a Redis restart every connection is
/// back within a quarter of a second of Redis answering again, which leaves
/// room in the one-second recovery goal (issue #23) for re-subscribing and
/// re-announcing. A higher cap saves little: a refused loopback or LAN
/// connect costs almost nothing, and four a second per connection is no
/// load for Redis.
///
/// Pure: the random source is passed in, so tests pin it.
public struct ExponentialBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Fraction (0...1) of each delay that is randomised: 0.2 gives delays in [0.8d, d].
    public var jitter: Double

    public init(
        initial: Duration = .milliseconds(50),
        maximum: Duration = .milliseconds(250),
        multiplier: Double = 2,
        jitter: Double = 0.2
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before reconnect attempt number `attempt` (0 for the first retry).
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let base = Self.seconds(initial) * pow(multiplier, Double(max(attempt, 0)))
        let capped = min(base, Self.seconds(maximum))
        // Uniform in [0, 1) from the top 53 bits: one draw, no rejection loop.
        let unit = Double(random.next() >> 11) * 0x1p-53
        let factor = 1 - jitter * unit
        return .nanoseconds(Int64((capped * factor * 1e9).rounded()))
    }

    public func delay(attempt: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &random)
    }

    private static func seconds(_ d: Duration) -> Double {
        let (s, attos) = d.components
        return Double(s) + Double(attos) / 1e18
    }

    /// `multiplier^n` by repeated multiplication; stops growing once past any
    /// sensible cap so large attempt counts never overflow to infinity.
    private func pow(_ base: Double, _ n: Double) -> Double {
        var result = 1.0
        var i = 0.0
        while i < n && result < 1e12 {
            result *= base
            i += 1
        }
        return result
    }
}
