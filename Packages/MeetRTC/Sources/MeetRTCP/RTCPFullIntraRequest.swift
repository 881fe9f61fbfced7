import MeetBytes

/// FIR: Full Intra Request (RFC 5104 §4.3.1), PT=PSFB (206), FMT=4.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=4  |    PT=206     |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             SSRC of media source (unused, 0)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                              SSRC                             |  FCI, repeated
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Seq nr.       |    Reserved                                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPFullIntraRequest: Hashable, Sendable {
    public static let format: UInt8 = 4

    public struct Entry: Hashable, Sendable {
        public var ssrc: UInt32
        /// Incremented for each new request (repeats keep the number).
        public var sequenceNumber: UInt8
        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (_, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.payloadFeedback, format: Self.format)
        senderSSRC = try r.u32()
        mediaSSRC = try r.u32()
        entries = []
        while r.remaining >= 8 {
            let ssrc = try r.u32()
            let seq = try r.u8()
            try r.skip(3)
            entries.append(Entry(ssrc: ssrc, sequenceNumber: seq))
        }
        guard r.remaining == 0 else { throw RTCPParseError.malformed("FIR FCI is not a multiple of 8 bytes") }
    }

    public func write(into out: inout [UInt8]) {
        RTCPHeader.write(count: Self.format, packetType: RTCPPacketType.payloadFeedback, into: &out) { out in
            out.appendBigEndian(senderSSRC)
            out.appendBigEndian(mediaSSRC)
            for e in entries {
                out.appendBigEndian(e.ssrc)
                out.append(e.sequenceNumber)
                out.append(contentsOf: [0, 0, 0])
            }
        }
    }
}
