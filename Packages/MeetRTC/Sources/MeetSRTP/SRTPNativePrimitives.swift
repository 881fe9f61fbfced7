/// The native engine's building blocks, exposed only to tests
/// (`@_spi(Testing) import MeetSRTP`) so the RFC vectors run against the
/// exact code `NativeSRTPContext` uses: RFC 3711 B.2 (AES-CM keystream), B.3
/// (key derivation), RFC 7714 §16–17 (AES-GCM), RFC 2202 (HMAC-SHA1).
@_spi(Testing)
extension SRTPPrimitives {
    /// AES-128-CM keystream from counter block (salt * 2^16) XOR `iv`.
    public static func nativeAESCM128Keystream(
        sessionKey: [UInt8], sessionSalt: [UInt8], iv: [UInt8], count: Int
    ) throws(SRTPError) -> [UInt8] {
        guard sessionSalt.count == 14, iv.count == 16, count >= 0 else { throw .invalidKeyLength }
        let cipher = try AES128Counter(key: sessionKey)
        let counter = (sessionSalt + [0, 0]).enumerated().map { $0.element ^ iv[$0.offset] }
        var output = [UInt8](repeating: 0, count: count)
        let ok = output.withUnsafeMutableBytes { bytes in
            count == 0 || cipher.apply(iv: counter, to: bytes.baseAddress!, count: count)
        }
        guard ok else { throw .cryptoFailed }
        return output
    }

    /// One session key or salt (RFC 3711 §4.3.1, key derivation rate 0).
    public static func nativeDeriveSessionKey(
        masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, length: Int
    ) throws(SRTPError) -> [UInt8] {
        guard let label = SRTPSessionKeys.Label(rawValue: label) else { throw .invalidKeyLength }
        let prf = try AES128Counter(key: masterKey)
        return try SRTPSessionKeys.derive(prf: prf, masterSalt: masterSalt, label: label, length: length)
    }

    /// AES-128-GCM with a 16-byte tag: returns ciphertext || tag.
    public static func nativeAESGCM128Seal(
        sessionKey: [UInt8], iv: [UInt8], aad: [UInt8], plaintext: [UInt8]
    ) throws(SRTPError) -> [UInt8] {
        guard iv.count == 12 else { throw .invalidKeyLength }
        let cipher = try AES128GCM(key: sessionKey, encrypting: true)
        var buffer = plaintext + [UInt8](repeating: 0, count: AES128GCM.tagLength)
        let ok = buffer.withUnsafeMutableBytes { bytes in
            aad.withUnsafeBytes { aadBytes in
                cipher.seal(
                    iv: iv, aad: aadBytes, aad2: UnsafeRawBufferPointer(start: nil, count: 0),
                    text: bytes.baseAddress!, count: plaintext.count, tag: bytes.baseAddress! + plaintext.count)
            }
        }
        guard ok else { throw .cryptoFailed }
        return buffer
    }

    /// HMAC-SHA1 of `message` (20 bytes).
    public static func nativeHMACSHA1(key: [UInt8], message: [UInt8]) throws(SRTPError) -> [UInt8] {
        let mac = try HMACSHA1(key: key)
        var digest = [UInt8](repeating: 0, count: HMACSHA1.digestLength)
        message.withUnsafeBytes { bytes in
            digest.withUnsafeMutableBufferPointer { out in
                mac.authenticate(bytes, suffix: UnsafeRawBufferPointer(start: nil, count: 0), into: out.baseAddress!)
            }
        }
        return digest
    }
}
