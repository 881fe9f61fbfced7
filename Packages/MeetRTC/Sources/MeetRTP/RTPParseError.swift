/// Why bytes could not be read as an RTP packet (RFC 3550 §5.1, RFC 8285 §4).
///
/// Every malformed packet throws one of these; nothing on the receive path traps.
public enum RTPParseError: Error, Equatable, Sendable {
    /// Fewer bytes than the fixed header, the CSRC list, or the extension header need.
    case truncated(needed: Int, available: Int)
    /// The version field is not 2.
    case badVersion(UInt8)
    /// The padding count is zero or larger than the packet after the header (§5.1).
    case badPadding(count: Int, available: Int)
    /// The header extension's length runs past the end of the packet (§5.3.1).
    case extensionOverrun(length: Int, available: Int)
    /// An extension element is malformed (RFC 8285 §4.2, §4.3), e.g. its length runs past the block.
    case malformedExtension(String)
    /// A value given to a builder does not fit the wire format.
    case invalidValue(String)
}
