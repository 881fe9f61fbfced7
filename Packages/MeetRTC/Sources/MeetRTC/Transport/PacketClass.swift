/// What a datagram on the shared UDP port carries, told from its first byte.
///
/// RFC 7983 §7 (updating RFC 5764 §5.1.2) splits the first byte's range:
///
/// ```
///                 +----------------+
///                 |        [0..3] -+--> forward to STUN
///                 |                |
///                 |      [16..19] -+--> forward to ZRTP
///                 |                |
///     packet -->  |      [20..63] -+--> forward to DTLS
///                 |                |
///                 |      [64..79] -+--> forward to TURN Channel
///                 |                |
///                 |    [128..191] -+--> forward to RTP/RTCP
///                 +----------------+
/// ```
///
/// RTP and RTCP share 128–191; with rtcp-mux the second byte tells them apart
/// (RFC 5761 §4: RTCP packet types 192–223 occupy the marker+payload-type byte).
public enum PacketClass: Sendable, Hashable {
    case stun
    case dtls
    case rtp
    case rtcp
    /// ZRTP, TURN channel data, or anything outside the ranges above.
    case unknown

    /// Classifies a datagram by its first two bytes without copying it.
    @inlinable
    public static func classify(firstByte: UInt8, secondByte: UInt8?) -> PacketClass {
        switch firstByte {
        case 0...3:
            return .stun
        case 20...63:
            return .dtls
        case 128...191:
            guard let second = secondByte else { return .unknown }
            // RFC 5761 §4: payload types 64–95 (with the marker bit: 192–223) are RTCP.
            return (192...223).contains(second) ? .rtcp : .rtp
        default:
            return .unknown
        }
    }

    /// Classifies the first bytes of `bytes`; an empty datagram is `.unknown`.
    @inlinable
    public static func classify(_ bytes: some Collection<UInt8>) -> PacketClass {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next() else { return .unknown }
        return classify(firstByte: first, secondByte: iterator.next())
    }
}

#if canImport(NIOCore)
public import NIOCore

extension PacketClass {
    /// Classifies the readable bytes of `buffer` without copying or consuming them.
    @inlinable
    public static func classify(_ buffer: ByteBuffer) -> PacketClass {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .unknown }
        return classify(firstByte: first, secondByte: buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self))
    }
}
#endif
