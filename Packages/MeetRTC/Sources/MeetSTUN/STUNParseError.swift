/// Why a datagram could not be read as a STUN message (RFC 8489 §5, §14).
///
/// Parsers throw these instead of trapping: a STUN port is reachable by anyone,
/// so every malformed input must be a cheap, typed rejection.
public enum STUNParseError: Error, Equatable, Sendable {
    /// Fewer than the 20 header bytes, or fewer bytes than the header's length field says.
    case truncated(needed: Int, available: Int)
    /// The two most significant bits of the first byte are not zero (§5).
    case notSTUN
    /// The magic cookie is not 0x2112A442 (§5; RFC 3489 messages are not supported).
    case badMagicCookie(UInt32)
    /// The message length is not a multiple of four (§5).
    case unalignedLength(Int)
    /// Bytes follow the message that the length field does not cover.
    case trailingBytes(Int)
    /// An attribute's value runs past the end of the message.
    case attributeOverrun(type: UInt16, length: Int)
    /// An attribute follows FINGERPRINT, which must be last (§14.7).
    case attributeAfterFingerprint(type: UInt16)
    /// The FINGERPRINT value does not match the CRC-32 of the message (§14.7).
    case fingerprintMismatch(expected: UInt32, found: UInt32)
    /// A known attribute has a value of the wrong size or content.
    case malformedAttribute(type: UInt16, reason: String)
}
