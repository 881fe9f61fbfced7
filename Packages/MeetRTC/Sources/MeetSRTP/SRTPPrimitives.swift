import CSRTP

/// The bare ciphers under libsrtp's SRTP transforms (the reference engine),
/// exposed only to tests (`@_spi(Testing) import MeetSRTP`) so the RFCs'
/// session-key vectors can run against them: RFC 3711 Appendix B.2 (AES-CM
/// keystream) and RFC 7714 §16.1.1 / §17.1 (AES-GCM), whose inputs are
/// session keys that no master key can be chosen to produce. The native
/// engine's counterparts are in `SRTPNativePrimitives.swift`.
@_spi(Testing)
public enum SRTPPrimitives {
    /// AES-128 in counter mode as SRTP uses it (RFC 3711 §4.1.1): the counter
    /// starts at `(salt * 2^16) XOR iv`.
    public static func aesICM128Keystream(
        sessionKey: [UInt8], sessionSalt: [UInt8], iv: [UInt8], count: Int
    ) throws(SRTPError) -> [UInt8] {
        guard LibSRTP.initialized else { throw .libraryInitFailed }
        guard sessionKey.count == 16, sessionSalt.count == 14, iv.count == 16, count >= 0 else {
            throw .invalidKeyLength
        }
        var cipher: UnsafeMutablePointer<srtp_cipher_t>?
        try check(meet_srtp_alloc_aes_icm_128(&cipher))
        defer { _ = srtp_cipher_dealloc(cipher) }
        try check(srtp_cipher_init(cipher, sessionKey + sessionSalt))
        var counter = iv
        try check(srtp_cipher_set_iv(cipher, &counter, Int32(srtp_direction_encrypt.rawValue)))
        var output = [UInt8](repeating: 0, count: count)
        var length = UInt32(count)
        try check(srtp_cipher_encrypt(cipher, &output, &length))
        return output
    }

    /// AES-128-GCM with a 16-byte tag: returns ciphertext || tag.
    public static func aesGCM128Seal(
        sessionKey: [UInt8], iv: [UInt8], aad: [UInt8], plaintext: [UInt8]
    ) throws(SRTPError) -> [UInt8] {
        guard LibSRTP.initialized else { throw .libraryInitFailed }
        guard sessionKey.count == 16, iv.count == 12 else { throw .invalidKeyLength }
        var cipher: UnsafeMutablePointer<srtp_cipher_t>?
        try check(meet_srtp_alloc_aes_gcm_128(&cipher))
        defer { _ = srtp_cipher_dealloc(cipher) }
        try check(srtp_cipher_init(cipher, sessionKey + [UInt8](repeating: 0, count: 12)))
        var nonce = iv
        try check(srtp_cipher_set_iv(cipher, &nonce, Int32(srtp_direction_encrypt.rawValue)))
        try check(srtp_cipher_set_aad(cipher, aad, UInt32(aad.count)))
        // The cipher may use 16 bytes past the text as scratch for the tag.
        var buffer = plaintext + [UInt8](repeating: 0, count: 16)
        var length = UInt32(plaintext.count)
        try check(srtp_cipher_encrypt(cipher, &buffer, &length))
        var tag = [UInt8](repeating: 0, count: 16)
        var tagLength = UInt32(16)
        try check(srtp_cipher_get_tag(cipher, &tag, &tagLength))
        return Array(buffer.prefix(Int(length))) + tag.prefix(Int(tagLength))
    }

    private static func check(_ status: srtp_err_status_t) throws(SRTPError) {
        guard status == srtp_err_status_ok else { throw SRTPError(status: status) }
    }
}
