import MeetBytes

/// Builders for the Binding transactions of ICE (RFC 8445 §7.1, §7.3) and consent
/// freshness (RFC 7675). Encode the result with
/// `encode(integrityKey: STUNMessage.shortTermKey(password: pwd), fingerprint: true)`.
extension STUNMessage {
    /// The ICE role carried in a Binding request (RFC 8445 §7.1.3).
    public enum ICERole: Hashable, Sendable {
        case controlling(tieBreaker: UInt64)
        case controlled(tieBreaker: UInt64)
    }

    /// A connectivity check: USERNAME "remoteUfrag:localUfrag", PRIORITY, the role,
    /// and USE-CANDIDATE when nominating (RFC 8445 §7.1).
    public static func bindingRequest(
        transactionID: STUNTransactionID = .random(),
        username: String,
        priority: UInt32,
        role: ICERole,
        useCandidate: Bool = false
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.username(username), .priority(priority)]
        switch role {
        case .controlling(let t): attributes.append(.iceControlling(tieBreaker: t))
        case .controlled(let t): attributes.append(.iceControlled(tieBreaker: t))
        }
        if useCandidate { attributes.append(.useCandidate) }
        return STUNMessage(type: .bindingRequest, transactionID: transactionID, attributes: attributes)
    }

    /// The success response to `transactionID`, reflecting the source address the
    /// request came from in XOR-MAPPED-ADDRESS (RFC 8489 §7.3.1, RFC 8445 §7.3.1.3).
    public static func bindingSuccess(transactionID: STUNTransactionID, mappedAddress: STUNTransportAddress) -> STUNMessage {
        STUNMessage(
            type: .bindingSuccess, transactionID: transactionID,
            attributes: [.xorMappedAddress(mappedAddress, transactionID: transactionID)])
    }

    /// An error response (RFC 8489 §6.3.4). For 420, pass the types not understood.
    public static func bindingError(
        transactionID: STUNTransactionID, error: STUNErrorCode, unknownAttributes: [STUNAttributeType] = []
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.errorCode(error)]
        if !unknownAttributes.isEmpty { attributes.append(.unknownAttributes(unknownAttributes)) }
        return STUNMessage(type: .bindingError, transactionID: transactionID, attributes: attributes)
    }

    /// A cheap first-byte-and-cookie test (RFC 7983 §7 demultiplexing, RFC 8489 §5):
    /// first byte 0–3, at least 20 bytes, the magic cookie, and a 4-aligned length
    /// that matches the datagram. Does not parse attributes.
    public static func isProbablySTUN(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count >= headerLength else { return false }
        var header = [UInt8]()
        header.reserveCapacity(8)
        header.append(contentsOf: bytes.prefix(8))
        guard header[0] < 4,
              let length = header.readBigEndian(UInt16.self, at: Offset.length),
              header.readBigEndian(UInt32.self, at: Offset.cookie) == magicCookie
        else { return false }
        return length % 4 == 0 && Int(length) + headerLength == bytes.count
    }
}
