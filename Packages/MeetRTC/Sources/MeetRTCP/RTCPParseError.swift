/// Why bytes could not be read as RTCP (RFC 3550 §6.4, RFC 4585 §6).
public enum RTCPParseError: Error, Equatable, Sendable {
    /// Fewer bytes than a header, a length field, or a count promises.
    case truncated(needed: Int, available: Int)
    /// The version field is not 2.
    case badVersion(UInt8)
    /// The padding count is zero or larger than the packet body.
    case badPadding(count: Int)
    /// A packet parsed as one type carries a different packet type or format.
    case wrongType(packetType: UInt8, format: UInt8)
    /// A packet's content does not follow its format.
    case malformed(String)
    /// A value given to a builder does not fit the wire format.
    case invalidValue(String)
}
