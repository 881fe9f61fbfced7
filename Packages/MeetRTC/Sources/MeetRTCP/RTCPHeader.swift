import MeetBytes

/// The header every RTCP packet starts with (RFC 3550 §6.4.1, RFC 4585 §6.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  RC/FMT |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// `length` is the packet size in 32-bit words minus one.
public struct RTCPHeader: Hashable, Sendable {
    public var padding: Bool
    /// Report count, source count, or feedback message type (FMT), by packet type.
    public var count: UInt8
    public var packetType: UInt8
    /// Words minus one, as on the wire.
    public var length: UInt16

    public static let size = 4

    /// Total bytes of the packet this header starts.
    public var packetLength: Int { (Int(length) + 1) * 4 }

    public init(padding: Bool = false, count: UInt8, packetType: UInt8, length: UInt16) {
        self.padding = padding
        self.count = count
        self.packetType = packetType
        self.length = length
    }

    /// Reads a header from the first four bytes.
    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= Self.size else { throw RTCPParseError.truncated(needed: Self.size, available: bytes.count) }
        let first = bytes[0]
        guard first >> 6 == 2 else { throw RTCPParseError.badVersion(first >> 6) }
        padding = first & 0x20 != 0
        count = first & 0x1F
        packetType = bytes[1]
        length = bytes.u16(at: 2)
    }

    /// Writes a packet: header, then `body`, zero-padded to a word boundary, with the
    /// length field filled in afterwards.
    static func write(count: UInt8, packetType: UInt8, into out: inout [UInt8], body: (inout [UInt8]) -> Void) {
        let start = out.count
        out.append(2 << 6 | count & 0x1F)
        out.append(packetType)
        out.append(contentsOf: [0, 0])
        body(&out)
        while (out.count - start) % 4 != 0 { out.append(0) }
        let words = (out.count - start) / 4 - 1
        out[start + 2] = UInt8(truncatingIfNeeded: words >> 8)
        out[start + 3] = UInt8(truncatingIfNeeded: words)
    }

    /// Checks that `bytes` holds exactly one packet of type `type` (and format `format`
    /// when given), and returns a reader over its body without header and padding.
    static func body(
        of bytes: UnsafeRawBufferPointer, type: UInt8, format: UInt8? = nil
    ) throws -> (RTCPHeader, ByteReader) {
        let header = try RTCPHeader(parsing: bytes)
        guard header.packetType == type, format == nil || header.count == format else {
            throw RTCPParseError.wrongType(packetType: header.packetType, format: header.count)
        }
        guard header.packetLength <= bytes.count else {
            throw RTCPParseError.truncated(needed: header.packetLength, available: bytes.count)
        }
        var end = header.packetLength
        if header.padding {
            let pad = Int(bytes[end - 1])
            guard pad >= 1, pad <= end - size else { throw RTCPParseError.badPadding(count: pad) }
            end -= pad
        }
        return (header, ByteReader(bytes, from: size, to: end))
    }
}

/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).
public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let applicationDefined: UInt8 = 204
    /// Transport-layer feedback: generic NACK (FMT 1), transport-wide CC (FMT 15).
    public static let transportFeedback: UInt8 = 205
    /// Payload-specific feedback: PLI (FMT 1), FIR (FMT 4), REMB (FMT 15).
    public static let payloadFeedback: UInt8 = 206
}
