import MeetBytes

/// A STUN message (RFC 8489 §5): header, transaction ID and attributes.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// MESSAGE-INTEGRITY and FINGERPRINT are not kept in `attributes`: they are
/// computed by `encode(integrityKey:fingerprint:)` and checked against the
/// received bytes (`isIntegrityValid(key:)`; the fingerprint while parsing).
/// Attributes after MESSAGE-INTEGRITY other than FINGERPRINT and
/// MESSAGE-INTEGRITY-SHA256 are ignored, as §14.5 requires, so nothing a
/// caller reads from `attributes` is outside the integrity's protection.
/// Unknown attributes are kept, in order.
public struct STUNMessage: Sendable {
    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    public var attributes: [STUNAttribute]

    /// The MESSAGE-INTEGRITY HMAC as received (20 bytes), nil when absent or built locally.
    public private(set) var receivedIntegrity: [UInt8]?
    /// The FINGERPRINT as received (already checked), nil when absent.
    public private(set) var receivedFingerprint: UInt32?
    /// The received bytes, kept so the integrity can be checked against them.
    public private(set) var rawBytes: [UInt8]?
    /// Offset of the MESSAGE-INTEGRITY attribute header in `rawBytes`.
    var integrityOffset: Int?

    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20

    enum Offset {
        static let type = 0
        static let length = 2
        static let cookie = 4
        static let transactionID = 8
        static let attributes = 20
    }

    public init(type: STUNMessageType, transactionID: STUNTransactionID = .random(), attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// Parses one STUN message that fills `bytes` exactly (one UDP datagram).
    ///
    /// Checks the header (§5), every attribute's bounds, and FINGERPRINT when present.
    public init(parsing bytes: some Collection<UInt8>) throws {
        let raw = Array(bytes)
        guard raw.count >= Self.headerLength else {
            throw STUNParseError.truncated(needed: Self.headerLength, available: raw.count)
        }
        guard raw[0] & 0xC0 == 0 else { throw STUNParseError.notSTUN }
        let rawType = raw.readBigEndian(UInt16.self, at: Offset.type) ?? 0
        let length = Int(raw.readBigEndian(UInt16.self, at: Offset.length) ?? 0)
        let cookie = raw.readBigEndian(UInt32.self, at: Offset.cookie) ?? 0
        guard cookie == Self.magicCookie else { throw STUNParseError.badMagicCookie(cookie) }
        guard length % 4 == 0 else { throw STUNParseError.unalignedLength(length) }
        let end = Self.headerLength + length
        guard raw.count >= end else { throw STUNParseError.truncated(needed: end, available: raw.count) }
        guard raw.count == end else { throw STUNParseError.trailingBytes(raw.count - end) }

        self.type = STUNMessageType(rawValue: rawType)
        self.transactionID = STUNTransactionID(bytes: raw[Offset.transactionID..<Offset.attributes])
            ?? STUNTransactionID(high: 0, low: 0)
        self.attributes = []
        self.rawBytes = raw

        var offset = Offset.attributes
        while offset < end {
            guard end - offset >= 4,
                  let t = raw.readBigEndian(UInt16.self, at: offset),
                  let l = raw.readBigEndian(UInt16.self, at: offset + 2)
            else { throw STUNParseError.truncated(needed: offset + 4, available: end) }
            let valueStart = offset + 4
            let valueLength = Int(l)
            let padded = (valueLength + 3) & ~3
            guard padded <= end - valueStart else {
                throw STUNParseError.attributeOverrun(type: t, length: valueLength)
            }
            let type = STUNAttributeType(t)
            if receivedFingerprint != nil { throw STUNParseError.attributeAfterFingerprint(type: t) }
            let value = Array(raw[valueStart..<(valueStart + valueLength)])
            switch type {
            case .fingerprint:
                guard valueLength == 4, let found = value.readBigEndian(UInt32.self, at: 0) else {
                    throw STUNParseError.malformedAttribute(type: t, reason: "FINGERPRINT is not 4 bytes")
                }
                let expected = Self.fingerprint(of: raw, upTo: offset)
                guard expected == found else { throw STUNParseError.fingerprintMismatch(expected: expected, found: found) }
                receivedFingerprint = found
            case .messageIntegrity:
                guard valueLength == 20 else {
                    throw STUNParseError.malformedAttribute(type: t, reason: "MESSAGE-INTEGRITY is not 20 bytes")
                }
                if receivedIntegrity == nil {
                    receivedIntegrity = value
                    integrityOffset = offset
                }
            default:
                // §14.5: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count.
                if receivedIntegrity == nil || type == .messageIntegritySHA256 {
                    attributes.append(STUNAttribute(type: type, value: value))
                }
            }
            offset = valueStart + padded
        }
    }

    /// Serializes the message. With `integrityKey`, appends MESSAGE-INTEGRITY
    /// (HMAC-SHA1 over the message so far, §14.5); with `fingerprint`, appends
    /// FINGERPRINT (§14.7). `paddingByte` fills attribute padding (0 normally;
    /// RFC 5769's vectors use 0x20).
    public func encode(integrityKey: [UInt8]? = nil, fingerprint: Bool = false, paddingByte: UInt8 = 0) -> [UInt8] {
        var out = [UInt8]()
        let bodyLength = attributes.reduce(0) { $0 + $1.encodedLength }
        out.reserveCapacity(Self.headerLength + bodyLength + 24 + 8)
        out.appendBigEndian(type.rawValue)
        out.appendBigEndian(UInt16(0))  // patched below
        out.appendBigEndian(Self.magicCookie)
        out.append(contentsOf: transactionID.bytes)
        for attribute in attributes {
            Self.append(attribute, to: &out, paddingByte: paddingByte)
        }
        if let integrityKey {
            // The length covers the MESSAGE-INTEGRITY attribute itself (§14.5).
            Self.setLength(of: &out, to: out.count - Self.headerLength + 24)
            let mac = Self.hmacSHA1(key: integrityKey, message: out)
            Self.append(STUNAttribute(type: .messageIntegrity, value: mac), to: &out, paddingByte: paddingByte)
        }
        if fingerprint {
            Self.setLength(of: &out, to: out.count - Self.headerLength + 8)
            let crc = Self.fingerprint(of: out, upTo: out.count)
            out.appendBigEndian(STUNAttributeType.fingerprint.rawValue)
            out.appendBigEndian(UInt16(4))
            out.appendBigEndian(crc)
        }
        Self.setLength(of: &out, to: out.count - Self.headerLength)
        return out
    }

    /// Appends one attribute; a value over 65535 bytes (which no STUN attribute has)
    /// is cut to fit the 16-bit length rather than corrupting the message.
    static func append(_ attribute: STUNAttribute, to out: inout [UInt8], paddingByte: UInt8) {
        let value = attribute.value.prefix(Int(UInt16.max))
        out.appendBigEndian(attribute.type.rawValue)
        out.appendBigEndian(UInt16(value.count))
        out.append(contentsOf: value)
        let pad = (4 - value.count % 4) % 4
        out.append(contentsOf: repeatElement(paddingByte, count: pad))
    }

    static func setLength(of out: inout [UInt8], to length: Int) {
        out.setBigEndian(UInt16(truncatingIfNeeded: length), at: Offset.length)
    }
}

extension STUNMessage: Equatable {
    /// Messages are equal when type, transaction ID and attributes match; the
    /// received integrity and raw bytes are not compared.
    public static func == (lhs: STUNMessage, rhs: STUNMessage) -> Bool {
        lhs.type == rhs.type && lhs.transactionID == rhs.transactionID && lhs.attributes == rhs.attributes
    }
}
