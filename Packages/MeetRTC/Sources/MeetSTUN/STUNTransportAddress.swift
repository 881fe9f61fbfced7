import MeetBytes

/// An IP address as carried in (XOR-)MAPPED-ADDRESS, kept as integers so it is
/// cheap to hash and compare.
public enum STUNIPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Big-endian integer value of the four octets (192.0.2.1 is 0xC0000201).
    case v4(UInt32)
    /// The sixteen octets as two big-endian integers.
    case v6(high: UInt64, low: UInt64)

    /// From 4 or 16 octets in network order; nil for any other size.
    public init?(octets: some Collection<UInt8>) {
        switch octets.count {
        case 4:
            self = .v4(octets.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            var h: UInt64 = 0
            var l: UInt64 = 0
            for (i, b) in octets.enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            self = .v6(high: h, low: l)
        default:
            return nil
        }
    }

    /// The address in network order (4 or 16 bytes).
    public var octets: [UInt8] {
        var out = [UInt8]()
        switch self {
        case .v4(let a): out.appendBigEndian(a)
        case .v6(let h, let l): out.appendBigEndian(h); out.appendBigEndian(l)
        }
        return out
    }

    /// Dotted quad for IPv4; RFC 5952 text (longest zero run compressed) for IPv6.
    public var description: String {
        switch self {
        case .v4(let a):
            return (0..<4).map { String((a >> (24 - 8 * UInt32($0))) & 0xFF) }.joined(separator: ".")
        case .v6:
            let o = octets
            let groups = (0..<8).map { UInt16(o[2 * $0]) << 8 | UInt16(o[2 * $0 + 1]) }
            var best = (start: -1, length: 0)
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8, groups[j] == 0 { j += 1 }
                    if j - i > best.length, j - i > 1 { best = (i, j - i) }
                    i = j
                } else {
                    i += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.start >= 0 else { return hex.joined(separator: ":") }
            let head = hex[..<best.start].joined(separator: ":")
            let tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }
}

/// An IP address and UDP port, the value of XOR-MAPPED-ADDRESS and MAPPED-ADDRESS.
public struct STUNTransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: STUNIPAddress
    public var port: UInt16

    public init(address: STUNIPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }

    /// Decodes a MAPPED-ADDRESS value (RFC 8489 §14.1); with a transaction ID, undoes
    /// the XOR of XOR-MAPPED-ADDRESS (§14.2).
    ///
    /// ```
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                X-Address (Variable)
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// ```
    public init(attributeValue v: [UInt8], xorWith transactionID: STUNTransactionID?) throws {
        let type = transactionID == nil ? STUNAttributeType.mappedAddress : .xorMappedAddress
        guard v.count >= 4, let rawPort = v.readBigEndian(UInt16.self, at: 2) else {
            throw STUNParseError.malformedAttribute(type: type.rawValue, reason: "shorter than 4 bytes")
        }
        let family = v[1]
        let mask = transactionID.map { Self.xorMask(for: $0) }
        let port = mask == nil ? rawPort : rawPort ^ UInt16(STUNMessage.magicCookie >> 16)
        switch (family, v.count) {
        case (Self.familyIPv4, 8):
            let body = Array(v[4..<8])
            let octets = mask.map { m in zip(body, m).map { $0 ^ $1 } } ?? body
            self.init(address: STUNIPAddress(octets: octets) ?? .v4(0), port: port)
        case (Self.familyIPv6, 20):
            let body = Array(v[4..<20])
            let octets = mask.map { m in zip(body, m).map { $0 ^ $1 } } ?? body
            self.init(address: STUNIPAddress(octets: octets) ?? .v6(high: 0, low: 0), port: port)
        default:
            throw STUNParseError.malformedAttribute(
                type: type.rawValue, reason: "family \(family) with \(v.count) bytes")
        }
    }

    /// Encodes as a MAPPED-ADDRESS value, or XOR-MAPPED-ADDRESS with a transaction ID.
    public func attributeValue(xorWith transactionID: STUNTransactionID?) -> [UInt8] {
        var out: [UInt8] = [0]
        let octets = address.octets
        out.append(octets.count == 4 ? Self.familyIPv4 : Self.familyIPv6)
        if let transactionID {
            out.appendBigEndian(port ^ UInt16(STUNMessage.magicCookie >> 16))
            out.append(contentsOf: zip(octets, Self.xorMask(for: transactionID)).map { $0 ^ $1 })
        } else {
            out.appendBigEndian(port)
            out.append(contentsOf: octets)
        }
        return out
    }

    static let familyIPv4: UInt8 = 0x01
    static let familyIPv6: UInt8 = 0x02

    /// The magic cookie followed by the transaction ID: the 16-byte XOR mask of §14.2
    /// (IPv4 uses its first four bytes).
    static func xorMask(for id: STUNTransactionID) -> [UInt8] {
        var mask = [UInt8]()
        mask.reserveCapacity(16)
        mask.appendBigEndian(STUNMessage.magicCookie)
        mask.append(contentsOf: id.bytes)
        return mask
    }
}
