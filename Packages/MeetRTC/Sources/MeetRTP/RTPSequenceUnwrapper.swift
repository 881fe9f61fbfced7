/// Extends wrapping RTP counters to 64 bits (RFC 3550 §A.1): the 16-bit sequence
/// number and the 32-bit timestamp wrap within minutes to hours, but loss
/// accounting, NACK caches and SSRC rewriting need a counter that does not.
///
/// Each new value is placed at the 64-bit position nearest to the previous one,
/// so reordering within half the counter's range (32768 packets, ~13 hours of
/// 90 kHz timestamps) is handled, including reordering across a wrap.
public struct RTPCounterUnwrapper<Counter: FixedWidthInteger & UnsignedInteger>: Sendable {
    private var last: Int64?

    public init() {}

    /// The extended value of `value`. The first call returns `value` itself.
    public mutating func unwrap(_ value: Counter) -> Int64 {
        let modulus = Int64(1) << Counter.bitWidth
        guard let last else {
            self.last = Int64(value)
            return Int64(value)
        }
        // Distance in the counter's ring, interpreted as signed (−modulus/2 ..< modulus/2).
        var delta = (Int64(value) - last) % modulus
        if delta >= modulus / 2 { delta -= modulus }
        if delta < -modulus / 2 { delta += modulus }
        let extended = last + delta
        // Keep the highest value seen, so a late packet does not pull the window back.
        if delta > 0 { self.last = extended }
        return extended
    }
}

/// 16-bit RTP sequence numbers to 64 bits.
public typealias RTPSequenceNumberUnwrapper = RTPCounterUnwrapper<UInt16>
/// 32-bit RTP timestamps to 64 bits.
public typealias RTPTimestampUnwrapper = RTPCounterUnwrapper<UInt32>
