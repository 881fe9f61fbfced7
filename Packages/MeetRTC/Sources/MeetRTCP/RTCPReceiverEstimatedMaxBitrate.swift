import MeetBytes

/// REMB: Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2),
/// an application-layer feedback message: PT=PSFB (206), FMT=15, FCI starting "REMB".
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPReceiverEstimatedMaxBitrate: Hashable, Sendable {
    public static let format: UInt8 = 15
    static let identifier: [UInt8] = Array("REMB".utf8)

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// Bits per second: mantissa × 2^exp as sent; encoding rounds down to 18 significant bits.
    public var bitrate: UInt64
    public var ssrcs: [UInt32]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.bitrate = bitrate
        self.ssrcs = ssrcs
    }

    /// True when a PSFB/FMT=15 packet's FCI starts with "REMB".
    static func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 16 && bytes[12] == 0x52 && bytes[13] == 0x45 && bytes[14] == 0x4D && bytes[15] == 0x42
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (_, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.payloadFeedback, format: Self.format)
        senderSSRC = try r.u32()
        mediaSSRC = try r.u32()
        guard try r.bytes(4) == Self.identifier else { throw RTCPParseError.malformed("application feedback is not REMB") }
        let count = Int(try r.u8())
        let expAndMantissa = try r.u24()
        let exponent = expAndMantissa >> 18
        let mantissa = UInt64(expAndMantissa & 0x3FFFF)
        // exp is 6 bits (≤ 63) and the mantissa 18 bits: saturate instead of overflowing.
        bitrate = exponent >= 46 && mantissa != 0 ? UInt64.max : mantissa << exponent
        ssrcs = try (0..<count).map { _ in try r.u32() }
    }

    public func write(into out: inout [UInt8]) throws {
        guard ssrcs.count <= 255 else { throw RTCPParseError.invalidValue("\(ssrcs.count) REMB SSRCs (max 255)") }
        var mantissa = bitrate
        var exponent: UInt32 = 0
        while mantissa > 0x3FFFF {
            mantissa >>= 1
            exponent += 1
        }
        RTCPHeader.write(count: Self.format, packetType: RTCPPacketType.payloadFeedback, into: &out) { out in
            out.appendBigEndian(senderSSRC)
            out.appendBigEndian(mediaSSRC)
            out.append(contentsOf: Self.identifier)
            out.append(UInt8(ssrcs.count))
            out.appendU24(exponent << 18 | UInt32(mantissa))
            for s in ssrcs { out.appendBigEndian(s) }
        }
    }
}
