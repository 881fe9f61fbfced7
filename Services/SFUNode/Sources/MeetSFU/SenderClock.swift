/// A publisher stream's clock as its last sender report gave it (RFC 3550
/// §6.4.1): the NTP time and the RTP timestamp of one instant. Two
/// simulcast layers of one source share the capture clock but not the RTP
/// base (each SSRC starts at its own random timestamp), so their reports
/// tell how one layer's timestamps map onto another's: a layer switch then
/// keeps the captured frame's time exactly instead of guessing it from when
/// packets arrived (``RTPMunger/alignTimestamps(shift:)``).
public struct SenderClock: Sendable, Equatable {
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32

    public init(ntpTimestamp: UInt64, rtpTimestamp: UInt32) {
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
    }

    /// Ticks to subtract from a timestamp of `new`'s stream to get the
    /// timestamp `old`'s stream gives the same instant (modulo 2^32, as a
    /// signed 32-bit value): `old = new - shift`. Both at `clockRate`.
    public static func shift(from old: SenderClock, to new: SenderClock, clockRate: Int) -> Int64 {
        // The reports' NTP times are close together (a second or so apart):
        // their 64-bit difference as a signed value, in seconds × 2^32.
        let ntpDelta = Int64(bitPattern: new.ntpTimestamp &- old.ntpTimestamp)
        let ticks = (Double(ntpDelta) / 4_294_967_296.0 * Double(clockRate)).rounded()
        let rtpDelta = Int64(Int32(bitPattern: new.rtpTimestamp &- old.rtpTimestamp))
        // rtpDelta is only the low 32 bits of the bases' difference: wrap the result back into them.
        return Int64(Int32(truncatingIfNeeded: rtpDelta &- Int64(ticks)))
    }
}
