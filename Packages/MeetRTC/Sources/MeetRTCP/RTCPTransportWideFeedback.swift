import MeetBytes

/// Transport-wide congestion control feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), PT=RTPFB (205), FMT=15.
/// Tells the sender when each transport-wide sequence number arrived, for
/// send-side bandwidth estimation.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      SSRC of media source                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      base sequence number     |      packet status count      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 reference time                | fb pkt. count |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          packet chunk         |         packet chunk          |
/// .                              ...                              .
/// |         packet chunk          |  recv delta   |  recv delta   |
/// .                              ...                              .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Chunks are run-length (`0|S S|run length (13)`) or status vectors
/// (`1|0|14 one-bit symbols` or `1|1|7 two-bit symbols`). Symbols: 0 not received,
/// 1 received with a 1-byte delta, 2 received with a 2-byte signed delta. Deltas
/// are in 250 µs ticks; the reference time is in 64 ms units (signed 24 bits).
public struct RTCPTransportWideFeedback: Hashable, Sendable {
    public static let format: UInt8 = 15

    /// One packet's fate: nil delta means not received.
    public struct PacketResult: Hashable, Sendable {
        public var sequenceNumber: UInt16
        /// Arrival time relative to the previous received packet (or the reference
        /// time for the first), in 250 µs ticks; nil when the packet was not received.
        public var receiveDelta: Int16?
        public init(sequenceNumber: UInt16, receiveDelta: Int16?) {
            self.sequenceNumber = sequenceNumber
            self.receiveDelta = receiveDelta
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// Signed 24-bit, in 64 ms units.
    public var referenceTime: Int32
    public var feedbackPacketCount: UInt8
    /// Consecutive sequence numbers starting at `baseSequenceNumber`.
    public var packets: [PacketResult]

    public static let deltaTickMicroseconds = 250
    public static let referenceTimeUnitMilliseconds = 64

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
                feedbackPacketCount: UInt8, packets: [PacketResult]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    enum Symbol: UInt8 { case notReceived = 0, smallDelta = 1, largeDelta = 2 }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (_, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.transportFeedback, format: Self.format)
        senderSSRC = try r.u32()
        mediaSSRC = try r.u32()
        baseSequenceNumber = try r.u16()
        let statusCount = Int(try r.u16())
        let ref = try r.u24()
        referenceTime = Int32(bitPattern: ref & 0x80_0000 != 0 ? ref | 0xFF00_0000 : ref)
        feedbackPacketCount = try r.u8()

        var symbols = [Symbol]()
        symbols.reserveCapacity(min(statusCount, r.remaining * 14))
        while symbols.count < statusCount {
            let chunk = try r.u16()
            let left = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                guard let s = Symbol(rawValue: UInt8(chunk >> 13 & 0x3)) else { throw RTCPParseError.malformed("reserved TWCC symbol") }
                let run = Int(chunk & 0x1FFF)
                guard run > 0 else { throw RTCPParseError.malformed("TWCC run length 0") }
                symbols.append(contentsOf: repeatElement(s, count: min(run, left)))
            } else if chunk & 0x4000 == 0 {
                for i in 0..<min(14, left) {
                    symbols.append(chunk >> (13 - i) & 1 == 1 ? .smallDelta : .notReceived)
                }
            } else {
                for i in 0..<min(7, left) {
                    guard let s = Symbol(rawValue: UInt8(chunk >> (12 - 2 * i) & 0x3)) else {
                        throw RTCPParseError.malformed("reserved TWCC symbol")
                    }
                    symbols.append(s)
                }
            }
        }
        packets = []
        packets.reserveCapacity(symbols.count)
        var seq = baseSequenceNumber
        for s in symbols {
            switch s {
            case .notReceived: packets.append(PacketResult(sequenceNumber: seq, receiveDelta: nil))
            case .smallDelta: packets.append(PacketResult(sequenceNumber: seq, receiveDelta: Int16(try r.u8())))
            case .largeDelta: packets.append(PacketResult(sequenceNumber: seq, receiveDelta: Int16(bitPattern: try r.u16())))
            }
            seq &+= 1
        }
        // Up to 3 zero bytes may pad the deltas to the word boundary.
        guard r.remaining < 4 else { throw RTCPParseError.malformed("\(r.remaining) bytes after the TWCC deltas") }
    }

    public func write(into out: inout [UInt8]) throws {
        guard packets.count <= Int(UInt16.max) else { throw RTCPParseError.invalidValue("\(packets.count) TWCC statuses") }
        guard (-0x80_0000...0x7F_FFFF).contains(referenceTime) else {
            throw RTCPParseError.invalidValue("TWCC reference time \(referenceTime)")
        }
        let symbols: [Symbol] = packets.map { p in
            guard let d = p.receiveDelta else { return .notReceived }
            return (0...255).contains(d) ? .smallDelta : .largeDelta
        }
        RTCPHeader.write(count: Self.format, packetType: RTCPPacketType.transportFeedback, into: &out) { out in
            out.appendBigEndian(senderSSRC)
            out.appendBigEndian(mediaSSRC)
            out.appendBigEndian(baseSequenceNumber)
            out.appendBigEndian(UInt16(packets.count))
            out.appendU24(UInt32(bitPattern: referenceTime) & 0xFF_FFFF)
            out.append(feedbackPacketCount)
            Self.writeChunks(symbols, into: &out)
            for p in packets {
                guard let d = p.receiveDelta else { continue }
                if (0...255).contains(d) { out.append(UInt8(d)) } else { out.appendBigEndian(UInt16(bitPattern: d)) }
            }
        }
    }

    /// Greedy chunking: a run-length chunk for runs of 7 or more equal symbols,
    /// otherwise a one-bit vector (14 symbols) when no large delta is among them,
    /// else a two-bit vector (7 symbols).
    static func writeChunks(_ symbols: [Symbol], into out: inout [UInt8]) {
        var i = 0
        while i < symbols.count {
            var run = 1
            while i + run < symbols.count, symbols[i + run] == symbols[i], run < 0x1FFF { run += 1 }
            if run >= 7 {
                out.appendBigEndian(UInt16(symbols[i].rawValue) << 13 | UInt16(run))
                i += run
                continue
            }
            let window14 = symbols[i..<min(i + 14, symbols.count)]
            if !window14.contains(.largeDelta) {
                var chunk: UInt16 = 0x8000
                for (k, s) in window14.enumerated() where s == .smallDelta { chunk |= 1 << (13 - k) }
                out.appendBigEndian(chunk)
                i += window14.count
            } else {
                var chunk: UInt16 = 0xC000
                let window7 = symbols[i..<min(i + 7, symbols.count)]
                for (k, s) in window7.enumerated() { chunk |= UInt16(s.rawValue) << (12 - 2 * k) }
                out.appendBigEndian(chunk)
                i += window7.count
            }
        }
    }
}
