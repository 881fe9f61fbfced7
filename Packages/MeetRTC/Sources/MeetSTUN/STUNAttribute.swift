/// A STUN attribute type (RFC 8489 §14, §18.3; RFC 8445 §16.1 for the ICE ones).
///
/// A struct rather than an enum so unknown types survive parsing unchanged.
/// Types below 0x8000 are comprehension-required (§14): an agent that does not
/// understand one must reject the request with 420 (see `unknownComprehensionRequired`).
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let mappedAddress = STUNAttributeType(0x0001)
    public static let username = STUNAttributeType(0x0006)
    public static let messageIntegrity = STUNAttributeType(0x0008)
    public static let errorCode = STUNAttributeType(0x0009)
    public static let unknownAttributes = STUNAttributeType(0x000A)
    public static let realm = STUNAttributeType(0x0014)
    public static let nonce = STUNAttributeType(0x0015)
    public static let messageIntegritySHA256 = STUNAttributeType(0x001C)
    public static let passwordAlgorithm = STUNAttributeType(0x001D)
    public static let userhash = STUNAttributeType(0x001E)
    public static let xorMappedAddress = STUNAttributeType(0x0020)
    /// ICE (RFC 8445 §7.1.1).
    public static let priority = STUNAttributeType(0x0024)
    /// ICE (RFC 8445 §7.1.2).
    public static let useCandidate = STUNAttributeType(0x0025)
    public static let passwordAlgorithms = STUNAttributeType(0x8002)
    public static let alternateDomain = STUNAttributeType(0x8003)
    public static let software = STUNAttributeType(0x8022)
    public static let alternateServer = STUNAttributeType(0x8023)
    public static let fingerprint = STUNAttributeType(0x8028)
    /// ICE (RFC 8445 §7.1.3).
    public static let iceControlled = STUNAttributeType(0x8029)
    /// ICE (RFC 8445 §7.1.3).
    public static let iceControlling = STUNAttributeType(0x802A)

    /// True for 0x0000–0x7FFF, which a receiver must understand (§14).
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    /// Types this module decodes; a request carrying any other comprehension-required
    /// type should get a 420 error response.
    public static let understood: Set<STUNAttributeType> = [
        .mappedAddress, .username, .messageIntegrity, .errorCode, .unknownAttributes,
        .realm, .nonce, .xorMappedAddress, .priority, .useCandidate, .messageIntegritySHA256,
    ]

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// One attribute, type and value, as it appears on the wire (RFC 8489 §14).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// `value` excludes the padding to a 4-byte boundary. Typed views live in
/// `STUNMessage+Attributes.swift`.
public struct STUNAttribute: Hashable, Sendable {
    public var type: STUNAttributeType
    public var value: [UInt8]

    public init(type: STUNAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// Bytes this attribute takes on the wire: 4-byte header, value, padding.
    public var encodedLength: Int { 4 + (value.count + 3) & ~3 }
}
