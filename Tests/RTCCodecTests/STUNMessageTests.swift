import Testing
@testable import MeetSTUN

/// RFC 8489 message rules and the ICE attributes of RFC 8445.
@Suite("STUN message codec (RFC 8489)")
struct STUNMessageTests {
    let id = STUNTransactionID(high: 0x0102_0304, low: 0x0506_0708_090A_0B0C)

    @Test("§5 message type: method and class bits interleave")
    func messageTypeBits() {
        #expect(STUNMessageType.bindingRequest.rawValue == 0x0001)
        #expect(STUNMessageType.bindingIndication.rawValue == 0x0011)
        #expect(STUNMessageType.bindingSuccess.rawValue == 0x0101)
        #expect(STUNMessageType.bindingError.rawValue == 0x0111)
        for raw in UInt16(0)...0x3FFF {
            #expect(STUNMessageType(rawValue: raw).rawValue == raw)
        }
    }

    @Test("RFC 8445 §7.1 binding request round trip with integrity and fingerprint")
    func bindingRequestRoundTrip() throws {
        let request = STUNMessage.bindingRequest(
            transactionID: id, username: "remote:local", priority: 1_853_824_767,
            role: .controlling(tieBreaker: 0xDEAD_BEEF_0000_0001), useCandidate: true)
        let key = STUNMessage.shortTermKey(password: "somepasswordsomepassword")
        let bytes = request.encode(integrityKey: key, fingerprint: true)
        #expect(STUNMessage.isProbablySTUN(bytes))
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed == request)
        #expect(parsed.username == "remote:local")
        #expect(parsed.iceUsernameFragments?.recipient == "remote")
        #expect(parsed.iceUsernameFragments?.sender == "local")
        #expect(parsed.priority == 1_853_824_767)
        #expect(parsed.iceControlling == 0xDEAD_BEEF_0000_0001)
        #expect(parsed.useCandidate)
        #expect(parsed.isIntegrityValid(key: key))
        #expect(!parsed.isIntegrityValid(key: STUNMessage.shortTermKey(password: "other")))
        #expect(parsed.unknownComprehensionRequired.isEmpty)
    }

    @Test("§14.5 a flipped bit in a protected attribute fails integrity (fingerprint recomputed)")
    func tamperedIntegrity() throws {
        let key = STUNMessage.shortTermKey(password: "pw")
        var bytes = STUNMessage.bindingRequest(transactionID: id, username: "a:b", priority: 7, role: .controlled(tieBreaker: 1))
            .encode(integrityKey: key)
        bytes[25] ^= 0x01  // inside USERNAME
        let parsed = try STUNMessage(parsing: bytes)
        #expect(!parsed.isIntegrityValid(key: key))
    }

    @Test("§14.7 a wrong FINGERPRINT is rejected")
    func badFingerprint() throws {
        var bytes = STUNMessage.bindingRequest(transactionID: id, username: "a:b", priority: 7, role: .controlled(tieBreaker: 1))
            .encode(fingerprint: true)
        bytes[bytes.count - 1] ^= 0xFF
        #expect(throws: STUNParseError.self) { try STUNMessage(parsing: bytes) }
    }

    @Test("§14.5 attributes after MESSAGE-INTEGRITY are ignored")
    func attributesAfterIntegrityIgnored() throws {
        let key = STUNMessage.shortTermKey(password: "pw")
        var bytes = STUNMessage(type: .bindingRequest, transactionID: id, attributes: [.username("a:b")]).encode(integrityKey: key)
        // Append an unprotected PRIORITY and fix the length.
        bytes += [0x00, 0x24, 0x00, 0x04, 0, 0, 0, 9]
        bytes[3] = UInt8(bytes.count - 20)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.priority == nil)
        #expect(parsed.isIntegrityValid(key: key))
    }

    @Test("§6.3.4 error response with ERROR-CODE and UNKNOWN-ATTRIBUTES")
    func errorResponse() throws {
        let error = STUNMessage.bindingError(
            transactionID: id, error: .unknownAttribute, unknownAttributes: [STUNAttributeType(0x7777)])
        let parsed = try STUNMessage(parsing: error.encode(fingerprint: true))
        #expect(parsed.type == .bindingError)
        #expect(parsed.errorCode == STUNErrorCode(code: 420, reason: "Unknown Attribute"))
        #expect(parsed.unknownAttributes == [STUNAttributeType(0x7777)])
        #expect(try STUNErrorCode(attributeValue: STUNErrorCode.roleConflict.attributeValue).code == 487)
    }

    @Test("§14 unknown attributes are kept and comprehension-required ones reported")
    func unknownAttributesKept() throws {
        let odd = STUNAttribute(type: STUNAttributeType(0x7FFF), value: [1, 2, 3])
        let optional = STUNAttribute(type: STUNAttributeType(0xC001), value: [9])
        let message = STUNMessage(type: .bindingRequest, transactionID: id, attributes: [odd, optional])
        let parsed = try STUNMessage(parsing: message.encode())
        #expect(parsed.attributes == [odd, optional])
        #expect(parsed.unknownComprehensionRequired == [STUNAttributeType(0x7FFF)])
    }

    @Test("§14.1/§14.2 MAPPED-ADDRESS and XOR-MAPPED-ADDRESS for IPv4 and IPv6")
    func addresses() throws {
        let v4 = STUNTransportAddress(address: .v4(0x7F00_0001), port: 5000)
        let v6 = STUNTransportAddress(address: .v6(high: 0xFE80_0000_0000_0000, low: 1), port: 65535)
        for address in [v4, v6] {
            let message = STUNMessage(
                type: .bindingSuccess, transactionID: id,
                attributes: [.xorMappedAddress(address, transactionID: id), .mappedAddress(address)])
            let parsed = try STUNMessage(parsing: message.encode())
            #expect(parsed.xorMappedAddress == address)
            #expect(parsed.mappedAddress == address)
        }
        #expect(v6.description == "[fe80::1]:65535")
        #expect(STUNIPAddress.v6(high: 0, low: 0).description == "::")
        #expect(throws: STUNParseError.self) { try STUNTransportAddress(attributeValue: [0, 1, 0], xorWith: id) }
        #expect(throws: STUNParseError.self) { try STUNTransportAddress(attributeValue: [0, 3, 0, 0, 1, 2, 3, 4], xorWith: nil) }
    }

    @Test("§5 header checks: short, bad cookie, top bits, misaligned, trailing bytes")
    func headerRejections() {
        let good = STUNMessage(type: .bindingRequest, transactionID: id).encode()
        #expect(throws: STUNParseError.truncated(needed: 20, available: 19)) { try STUNMessage(parsing: good.prefix(19)) }
        var badCookie = good; badCookie[4] = 0
        #expect(throws: STUNParseError.badMagicCookie(0x0012_A442)) { try STUNMessage(parsing: badCookie) }
        var rtp = good; rtp[0] = 0x80
        #expect(throws: STUNParseError.notSTUN) { try STUNMessage(parsing: rtp) }
        var misaligned = good; misaligned[3] = 2
        #expect(throws: STUNParseError.unalignedLength(2)) { try STUNMessage(parsing: misaligned) }
        #expect(throws: STUNParseError.trailingBytes(4)) { try STUNMessage(parsing: good + [0, 0, 0, 0]) }
        var overrun = good + [0x00, 0x06, 0x00, 0x09, 0, 0, 0, 0]
        overrun[3] = 8
        #expect(throws: STUNParseError.attributeOverrun(type: 6, length: 9)) { try STUNMessage(parsing: overrun) }
    }

    @Test("RFC 7983 §7 isProbablySTUN rejects RTP, DTLS and short datagrams")
    func classifier() {
        let good = STUNMessage(type: .bindingRequest, transactionID: id, attributes: [.username("x:y")]).encode()
        #expect(STUNMessage.isProbablySTUN(good))
        #expect(STUNMessage.isProbablySTUN(good[...]))
        #expect(!STUNMessage.isProbablySTUN(good.dropLast(4)))
        #expect(!STUNMessage.isProbablySTUN([0x16, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 30)))
        #expect(!STUNMessage.isProbablySTUN([0x80, 0x60] + [UInt8](repeating: 0, count: 30)))
        #expect(!STUNMessage.isProbablySTUN([UInt8](repeating: 0, count: 4)))
    }

    @Test("every truncation of a valid message throws instead of trapping")
    func truncationsThrow() {
        let key = STUNMessage.shortTermKey(password: "pw")
        let bytes = STUNMessage.bindingRequest(transactionID: id, username: "a:b", priority: 7, role: .controlled(tieBreaker: 1))
            .encode(integrityKey: key, fingerprint: true)
        for n in 0..<bytes.count {
            #expect(throws: STUNParseError.self) { try STUNMessage(parsing: bytes.prefix(n)) }
        }
    }

    @Test("random bytes with a STUN header never trap")
    func randomInputs() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<64, using: &rng)
            var bytes = (0..<(20 + n * 4)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] &= 0x01
            bytes[2] = 0; bytes[3] = UInt8(n * 4)
            bytes[4] = 0x21; bytes[5] = 0x12; bytes[6] = 0xA4; bytes[7] = 0x42
            if let message = try? STUNMessage(parsing: bytes) {
                _ = message.username; _ = message.xorMappedAddress; _ = message.errorCode
                _ = message.unknownAttributes; _ = message.isIntegrityValid(key: [1])
            }
        }
    }
}
