/// Time arithmetic for the forwarding path.
///
/// Every state machine here takes `now: ContinuousClock.Instant` as an
/// argument instead of reading a clock (STYLE habit 4), exactly like
/// MeetRTC's ICE agents, so tests drive time by hand. These helpers turn
/// `Duration`s into the integer units RTP speaks without Foundation and
/// without allocating.
extension Duration {
    /// The duration in whole nanoseconds (saturating at ±292 years).
    @inlinable
    public var nanosecondsValue: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// The duration in ticks of an RTP clock of `clockRate` Hz (RFC 3550
    /// §5.1: 48 000 for Opus, 90 000 for video), rounded down.
    @inlinable
    public func rtpTicks(clockRate: Int) -> Int64 {
        let nanos = nanosecondsValue
        // Split to avoid overflow: whole seconds and the remainder.
        let seconds = nanos / 1_000_000_000
        let remainder = nanos % 1_000_000_000
        return seconds &* Int64(clockRate) &+ remainder &* Int64(clockRate) / 1_000_000_000
    }
}
