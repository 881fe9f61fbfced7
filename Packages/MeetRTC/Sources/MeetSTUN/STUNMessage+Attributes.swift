import MeetBytes

/// Typed reads of the attributes ICE uses. Each returns nil when the attribute is
/// absent *or* malformed; use `attribute(_:)` to tell the two apart (a present but
/// malformed PRIORITY, say, deserves a 400 response).
extension STUNMessage {
    /// The first attribute of this type, if any.
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public func contains(_ type: STUNAttributeType) -> Bool { attribute(type) != nil }

    /// USERNAME (§14.3): "remoteUfrag:localUfrag" in ICE (RFC 8445 §7.2.2).
    public var username: String? { attribute(.username).map { String(decoding: $0.value, as: UTF8.self) } }

    /// USERNAME split as ICE uses it (RFC 8445 §7.2.2): "RFRAG:LFRAG", where RFRAG is
    /// the ufrag of the agent *receiving* the request and LFRAG that of the sender.
    /// An ICE-lite server looks the session up by `recipient` (its own ice-ufrag).
    public var iceUsernameFragments: (recipient: String, sender: String)? {
        guard let name = username, let colon = name.firstIndex(of: ":") else { return nil }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }

    /// SOFTWARE (§14.14).
    public var software: String? { attribute(.software).map { String(decoding: $0.value, as: UTF8.self) } }

    /// XOR-MAPPED-ADDRESS (§14.2), de-XORed.
    public var xorMappedAddress: STUNTransportAddress? {
        attribute(.xorMappedAddress).flatMap { try? STUNTransportAddress(attributeValue: $0.value, xorWith: transactionID) }
    }

    /// MAPPED-ADDRESS (§14.1).
    public var mappedAddress: STUNTransportAddress? {
        attribute(.mappedAddress).flatMap { try? STUNTransportAddress(attributeValue: $0.value, xorWith: nil) }
    }

    /// PRIORITY (RFC 8445 §7.1.1).
    public var priority: UInt32? { attribute(.priority).flatMap { $0.value.count == 4 ? $0.value.readBigEndian(at: 0) : nil } }

    /// USE-CANDIDATE (RFC 8445 §7.1.2): the controlling agent nominates this pair.
    public var useCandidate: Bool { contains(.useCandidate) }

    /// The tie-breaker of ICE-CONTROLLING (RFC 8445 §7.1.3).
    public var iceControlling: UInt64? { attribute(.iceControlling).flatMap { $0.value.count == 8 ? $0.value.readBigEndian(at: 0) : nil } }

    /// The tie-breaker of ICE-CONTROLLED (RFC 8445 §7.1.3).
    public var iceControlled: UInt64? { attribute(.iceControlled).flatMap { $0.value.count == 8 ? $0.value.readBigEndian(at: 0) : nil } }

    /// ERROR-CODE (§14.8).
    public var errorCode: STUNErrorCode? { attribute(.errorCode).flatMap { try? STUNErrorCode(attributeValue: $0.value) } }

    /// UNKNOWN-ATTRIBUTES (§14.9): the types the peer did not understand.
    public var unknownAttributes: [STUNAttributeType]? {
        attribute(.unknownAttributes).map { a in
            stride(from: 0, to: a.value.count - 1, by: 2).compactMap { a.value.readBigEndian(UInt16.self, at: $0) }
                .map(STUNAttributeType.init(rawValue:))
        }
    }

    /// Comprehension-required attribute types (§14) this module does not decode;
    /// a request with any should be answered with 420 listing them.
    public var unknownComprehensionRequired: [STUNAttributeType] {
        attributes.map(\.type).filter { $0.isComprehensionRequired && !STUNAttributeType.understood.contains($0) }
    }
}

/// Factories for the attributes ICE sends.
extension STUNAttribute {
    public static func username(_ name: String) -> STUNAttribute {
        STUNAttribute(type: .username, value: Array(name.utf8))
    }

    public static func software(_ name: String) -> STUNAttribute {
        STUNAttribute(type: .software, value: Array(name.utf8))
    }

    public static func priority(_ priority: UInt32) -> STUNAttribute {
        var v = [UInt8](); v.appendBigEndian(priority)
        return STUNAttribute(type: .priority, value: v)
    }

    public static let useCandidate = STUNAttribute(type: .useCandidate, value: [])

    public static func iceControlling(tieBreaker: UInt64) -> STUNAttribute {
        var v = [UInt8](); v.appendBigEndian(tieBreaker)
        return STUNAttribute(type: .iceControlling, value: v)
    }

    public static func iceControlled(tieBreaker: UInt64) -> STUNAttribute {
        var v = [UInt8](); v.appendBigEndian(tieBreaker)
        return STUNAttribute(type: .iceControlled, value: v)
    }

    public static func xorMappedAddress(_ address: STUNTransportAddress, transactionID: STUNTransactionID) -> STUNAttribute {
        STUNAttribute(type: .xorMappedAddress, value: address.attributeValue(xorWith: transactionID))
    }

    public static func mappedAddress(_ address: STUNTransportAddress) -> STUNAttribute {
        STUNAttribute(type: .mappedAddress, value: address.attributeValue(xorWith: nil))
    }

    public static func errorCode(_ error: STUNErrorCode) -> STUNAttribute {
        STUNAttribute(type: .errorCode, value: error.attributeValue)
    }

    public static func unknownAttributes(_ types: [STUNAttributeType]) -> STUNAttribute {
        var v = [UInt8]()
        for t in types { v.appendBigEndian(t.rawValue) }
        return STUNAttribute(type: .unknownAttributes, value: v)
    }
}
