import COpenSSL

/// A certificate fingerprint as carried in SDP's `a=fingerprint` attribute
/// (RFC 8122 §5): a hash function name and the digest of the DER encoding.
///
/// `description` gives the SDP form, e.g. `sha-256 AB:CD:...`.
public struct DTLSFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The hash functions we can compute; SHA-256 is what every browser uses.
    public enum Algorithm: String, Hashable, Sendable, CaseIterable {
        case sha1 = "sha-1"
        case sha256 = "sha-256"
        case sha384 = "sha-384"
        case sha512 = "sha-512"

        var digestLength: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        var evpMD: OpaquePointer? {
            switch self {
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        }
    }

    public var algorithm: Algorithm
    public var digest: [UInt8]

    public init(algorithm: Algorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Parses the value of an SDP fingerprint attribute: `sha-256 AB:CD:...`.
    /// The hash name is case-insensitive (RFC 8122 §5); hex digits too.
    public init(sdpValue: String) throws(DTLSError) {
        let parts = sdpValue.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2,
              let algorithm = Algorithm(rawValue: parts[0].lowercased())
        else { throw .invalidFingerprint(sdpValue) }
        let octets = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard octets.count == algorithm.digestLength else { throw .invalidFingerprint(sdpValue) }
        var digest: [UInt8] = []
        digest.reserveCapacity(octets.count)
        for octet in octets {
            guard octet.count == 2, let byte = UInt8(octet, radix: 16) else {
                throw .invalidFingerprint(sdpValue)
            }
            digest.append(byte)
        }
        self.init(algorithm: algorithm, digest: digest)
    }

    /// The SDP attribute value: hash name, a space, upper-case hex octets
    /// separated by colons.
    public var sdpValue: String {
        let hex = digest.map { byte -> String in
            let text = String(byte, radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }
        return "\(algorithm.rawValue) \(hex.joined(separator: ":"))"
    }

    public var description: String { sdpValue }

    /// Hashes a certificate owned by the caller (not retained).
    static func of(_ x509: OpaquePointer, algorithm: Algorithm) -> DTLSFingerprint? {
        var buffer = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, algorithm.evpMD, &buffer, &length) == 1 else {
            _ = drainOpenSSLErrors()
            return nil
        }
        return DTLSFingerprint(algorithm: algorithm, digest: Array(buffer.prefix(Int(length))))
    }
}
