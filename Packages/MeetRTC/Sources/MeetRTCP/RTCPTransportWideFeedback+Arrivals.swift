/// Conversions between transport-wide feedback and arrival times, for the two
/// sides of send-side bandwidth estimation: the receiver (the SFU toward a
/// publisher) builds feedback from when packets arrived; the sender (our client)
/// turns feedback back into arrival times.
///
/// Times are microseconds on any monotonic clock. Arrivals are quantized to the
/// 250 µs delta tick; each delta is taken from the previous *quantized* arrival,
/// so rounding error does not accumulate (as libwebrtc does).
extension RTCPTransportWideFeedback {
    /// Feedback for consecutive sequence numbers starting at `baseSequenceNumber`;
    /// `arrivals[i]` is when `base + i` arrived, nil if it did not. Deltas beyond
    /// the ±8.2 s a 16-bit delta can carry are clamped: send feedback more often than that.
    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, feedbackPacketCount: UInt8,
        baseSequenceNumber: UInt16, arrivals: [Int64?]
    ) {
        let referenceUnit = Int64(Self.referenceTimeUnitMilliseconds) * 1000
        let tick = Int64(Self.deltaTickMicroseconds)
        let first = arrivals.lazy.compactMap { $0 }.first ?? 0
        // Floor division, so the reference is never after the first arrival.
        let units = first >= 0 ? first / referenceUnit : (first - referenceUnit + 1) / referenceUnit
        let wrapped = units & 0xFF_FFFF  // the field is 24 bits and wraps (libwebrtc does the same)
        let reference = Int32(wrapped >= 0x80_0000 ? wrapped - 0x100_0000 : wrapped)
        var previous = units * referenceUnit
        var seq = baseSequenceNumber
        var packets = [PacketResult]()
        packets.reserveCapacity(min(arrivals.count, Int(UInt16.max)))
        for arrival in arrivals.prefix(Int(UInt16.max)) {
            if let arrival {
                let exact = arrival - previous
                let rounded = (exact >= 0 ? exact + tick / 2 : exact - tick / 2) / tick
                let delta = Int16(clamping: rounded)
                previous += Int64(delta) * tick
                packets.append(PacketResult(sequenceNumber: seq, receiveDelta: delta))
            } else {
                packets.append(PacketResult(sequenceNumber: seq, receiveDelta: nil))
            }
            seq &+= 1
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
                  referenceTime: reference, feedbackPacketCount: feedbackPacketCount, packets: packets)
    }

    /// Arrival time of each packet in µs (nil when not received), on the feedback
    /// sender's clock: the reference time plus the running sum of deltas. Only
    /// differences between these are meaningful to the media sender.
    public var arrivals: [Int64?] {
        var time = Int64(referenceTime) * Int64(Self.referenceTimeUnitMilliseconds) * 1000
        return packets.map { p in
            guard let d = p.receiveDelta else { return nil }
            time += Int64(d) * Int64(Self.deltaTickMicroseconds)
            return time
        }
    }
}
