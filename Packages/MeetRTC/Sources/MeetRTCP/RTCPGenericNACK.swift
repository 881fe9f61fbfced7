import MeetBytes

/// Generic NACK (RFC 4585 §6.2.1), PT=RTPFB (205), FMT=1: the receiver lists lost
/// sequence numbers; the SFU retransmits them from its packet cache.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |    PT=205     |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            PID                |             BLP               |  FCI, repeated
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// PID is a lost packet; bit i of BLP (LSB = bit 0) marks PID+i+1 as lost too.
public struct RTCPGenericNACK: Hashable, Sendable {
    public static let format: UInt8 = 1

    public struct Pair: Hashable, Sendable {
        public var packetID: UInt16
        public var lostBitmask: UInt16
        public init(packetID: UInt16, lostBitmask: UInt16 = 0) {
            self.packetID = packetID
            self.lostBitmask = lostBitmask
        }

        /// The sequence numbers this pair reports lost, ascending (modulo 2^16).
        public var sequenceNumbers: [UInt16] {
            var out = [packetID]
            for bit in 0..<16 where lostBitmask & (1 << bit) != 0 { out.append(packetID &+ UInt16(bit + 1)) }
            return out
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var pairs: [Pair]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, pairs: [Pair]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.pairs = pairs
    }

    /// A NACK for these lost sequence numbers, given in sending order (wrap-around allowed).
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lost: [UInt16]) {
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, pairs: Self.pairs(for: lost))
    }

    /// Packs sequence numbers into PID/BLP pairs: each pair covers PID..PID+16.
    public static func pairs(for sequenceNumbers: [UInt16]) -> [Pair] {
        var pairs = [Pair]()
        for seq in sequenceNumbers {
            if var last = pairs.last {
                let distance = seq &- last.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    last.lostBitmask |= 1 << (distance - 1)
                    pairs[pairs.count - 1] = last
                    continue
                }
            }
            pairs.append(Pair(packetID: seq))
        }
        return pairs
    }

    /// All sequence numbers reported lost, in pair order.
    public var sequenceNumbers: [UInt16] { pairs.flatMap(\.sequenceNumbers) }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (_, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.transportFeedback, format: Self.format)
        senderSSRC = try r.u32()
        mediaSSRC = try r.u32()
        pairs = []
        while r.remaining >= 4 {
            pairs.append(Pair(packetID: try r.u16(), lostBitmask: try r.u16()))
        }
        guard r.remaining == 0 else { throw RTCPParseError.malformed("NACK FCI is not a multiple of 4 bytes") }
    }

    public func write(into out: inout [UInt8]) {
        RTCPHeader.write(count: Self.format, packetType: RTCPPacketType.transportFeedback, into: &out) { out in
            out.appendBigEndian(senderSSRC)
            out.appendBigEndian(mediaSSRC)
            for p in pairs {
                out.appendBigEndian(p.packetID)
                out.appendBigEndian(p.lostBitmask)
            }
        }
    }
}
