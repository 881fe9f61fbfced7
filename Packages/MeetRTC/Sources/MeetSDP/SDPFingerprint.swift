/// `a=fingerprint:<hash-function> <fingerprint>` (RFC 8122 §5), e.g.
/// `a=fingerprint:sha-256 4A:AD:...:E1`: the DTLS certificate's hash, which the
/// DTLS layer must check against the certificate the peer presents.
public struct SDPFingerprint: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "fingerprint"

    /// Lowercased, e.g. "sha-256".
    public var hashFunction: String
    /// The hash bytes.
    public var bytes: [UInt8]

    public init(hashFunction: String, bytes: [UInt8]) {
        self.hashFunction = hashFunction.lowercased()
        self.bytes = bytes
    }

    public init(attributeValue: String) throws {
        let bad = SDPParseError.malformedValue(kind: "fingerprint", value: String(attributeValue.prefix(200)))
        let f = fields(attributeValue)
        guard f.count == 2 else { throw bad }
        var bytes = [UInt8]()
        for pair in f[1].split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.count == 2, let b = UInt8(pair, radix: 16) else { throw bad }
            bytes.append(b)
        }
        guard !bytes.isEmpty, bytes.count <= 64 else { throw bad }
        self.init(hashFunction: String(f[0]), bytes: bytes)
    }

    /// Upper-case hex pairs joined by colons, as RFC 8122 §5 writes them.
    public var attributeValue: String {
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }
        return "\(hashFunction) \(hex.joined(separator: ":"))"
    }
}

/// `a=setup:<role>` (RFC 4145 §4, RFC 8842 §5): which side starts DTLS.
/// Offers say actpass; the answerer picks active (Chrome, aiortc) or passive.
public enum SDPSetupRole: String, Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "setup"

    case active, passive, actpass, holdconn

    public init(attributeValue: String) throws {
        guard let role = SDPSetupRole(rawValue: attributeValue.trimmingCharactersSpaces) else {
            throw SDPParseError.malformedValue(kind: "setup", value: attributeValue)
        }
        self = role
    }

    public var attributeValue: String { rawValue }
}

extension String {
    var trimmingCharactersSpaces: String { String(self[...].trimmingSpaces) }
}
