/// NTP timestamp helpers for RTCP (RFC 3550 §4): a 64-bit NTP time is
/// seconds since 1900 in the high word and a binary fraction in the low one;
/// report blocks carry its middle 32 bits ("compact NTP", 16.16 fixed point).
public enum NTPTime {
    /// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
    public static let unixEpochOffset: UInt64 = 2_208_988_800

    /// The middle 32 bits of a 64-bit NTP timestamp.
    @inlinable
    public static func compact(_ ntp: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp >> 16)
    }

    /// A 64-bit NTP timestamp from Unix time in nanoseconds (the wall clock
    /// is the caller's: the node reads it once per report, tests pass one in).
    public static func ntp(unixNanoseconds: Int64) -> UInt64 {
        let seconds = UInt64(unixNanoseconds / 1_000_000_000) + unixEpochOffset
        let nanos = UInt64(unixNanoseconds % 1_000_000_000)
        return seconds << 32 | (nanos << 32) / 1_000_000_000
    }

    /// A duration in compact NTP units (1/65536 s), as DLSR carries it.
    public static func compactDuration(_ duration: Duration) -> UInt32 {
        let nanos = max(0, duration.nanosecondsValue)
        return UInt32(clamping: (nanos << 16) / 1_000_000_000)
    }

    /// A duration from compact NTP units.
    public static func duration(compact: UInt32) -> Duration {
        .nanoseconds((Int64(compact) * 1_000_000_000) >> 16)
    }

    /// Round-trip time from a report block (RFC 3550 §6.4.1): the arrival
    /// time `A` of the report minus LSR minus DLSR, all in compact NTP, with
    /// 32-bit wrap-around. Nil when no sender report was received yet
    /// (LSR = 0) or the result is negative (clock error).
    public static func roundTripTime(arrival: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32) -> Duration? {
        guard lastSenderReport != 0 else { return nil }
        let rtt = arrival &- lastSenderReport &- delaySinceLastSenderReport
        guard Int32(bitPattern: rtt) >= 0 else { return nil }
        return duration(compact: rtt)
    }
}
