#if canImport(Crypto)
import Crypto
#endif

/// MESSAGE-INTEGRITY (RFC 8489 §14.5) and FINGERPRINT (§14.7).
extension STUNMessage {
    /// XORed into the CRC-32 so that FINGERPRINT tells STUN apart from other
    /// protocols that also carry a CRC-32 (§14.7).
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// The short-term credential key (§9.1.1): the password's UTF-8 bytes (OpaqueString
    /// processing leaves the ASCII ice-pwd of RFC 8445 unchanged).
    public static func shortTermKey(password: String) -> [UInt8] { Array(password.utf8) }

    /// The long-term credential key (§9.2.2): MD5(username ":" realm ":" password).
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        let text = Array("\(username):\(realm):\(password)".utf8)
        #if canImport(Crypto)
        return Array(Insecure.MD5.hash(data: text))
        #else
        return FuzzBuildCrypto.md5(text)
        #endif
    }

    /// True when the received MESSAGE-INTEGRITY matches the HMAC-SHA1 of the
    /// received bytes under `key`. False for messages without MESSAGE-INTEGRITY
    /// and for messages built locally (nothing was received to check).
    public func isIntegrityValid(key: [UInt8]) -> Bool {
        guard var raw = rawBytes, let offset = integrityOffset, let received = receivedIntegrity,
              offset <= raw.count
        else { return false }
        // The length field is set as if MESSAGE-INTEGRITY were the last attribute.
        Self.setLength(of: &raw, to: offset - Self.headerLength + 24)
        let mac = Self.hmacSHA1(key: key, message: raw[0..<offset])
        // Constant-time comparison: do not leak how many bytes matched.
        guard mac.count == received.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<mac.count { diff |= mac[i] ^ received[i] }
        return diff == 0
    }

    static func hmacSHA1(key: [UInt8], message: some Collection<UInt8>) -> [UInt8] {
        #if canImport(Crypto)
        var hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: key))
        hmac.update(data: Array(message))
        return Array(hmac.finalize())
        #else
        // Only the libFuzzer build (scripts/fuzz) compiles this module without
        // swift-crypto; it supplies a stand-in (Tools/Fuzz/Support).
        return FuzzBuildCrypto.hmacSHA1(key: key, message: Array(message))
        #endif
    }

    /// CRC-32 of `bytes[0..<end]` XOR 0x5354554e. The caller has already set the
    /// length field to include the FINGERPRINT attribute.
    static func fingerprint(of bytes: [UInt8], upTo end: Int) -> UInt32 {
        CRC32.checksum(bytes[0..<min(end, bytes.count)]) ^ fingerprintXOR
    }
}

/// CRC-32 as in ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320),
/// the one FINGERPRINT uses (RFC 8489 §14.7).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}
