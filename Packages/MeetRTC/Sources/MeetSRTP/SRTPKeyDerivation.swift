/// The session keys of one SRTP context, derived from the master key and
/// salt with the AES-CM PRF (RFC 3711 §4.3.1 and §4.3.3, key derivation rate
/// 0). AEAD_AES_128_GCM uses the same KDF with its 96-bit master salt
/// zero-padded to 112 bits (RFC 7714 §11).
struct SRTPSessionKeys {
    /// RFC 3711 §4.3.2 labels.
    enum Label: UInt8 {
        case rtpEncryption = 0x00
        case rtpAuthentication = 0x01
        case rtpSalt = 0x02
        case rtcpEncryption = 0x03
        case rtcpAuthentication = 0x04
        case rtcpSalt = 0x05
    }

    var rtpKey: [UInt8]
    var rtpAuthKey: [UInt8]
    var rtpSalt: [UInt8]
    var rtcpKey: [UInt8]
    var rtcpAuthKey: [UInt8]
    var rtcpSalt: [UInt8]

    /// - Parameters:
    ///   - saltLength: session salt bytes (14 for AES-CM, 12 for GCM).
    ///   - authKeyLength: HMAC key bytes (20), or 0 for an AEAD profile.
    init(masterKey: [UInt8], masterSalt: [UInt8], saltLength: Int, authKeyLength: Int) throws(SRTPError) {
        let prf = try AES128Counter(key: masterKey)
        func derive(_ label: Label, _ length: Int) throws(SRTPError) -> [UInt8] {
            try Self.derive(prf: prf, masterSalt: masterSalt, label: label, length: length)
        }
        rtpKey = try derive(.rtpEncryption, 16)
        rtpAuthKey = try derive(.rtpAuthentication, authKeyLength)
        rtpSalt = try derive(.rtpSalt, saltLength)
        rtcpKey = try derive(.rtcpEncryption, 16)
        rtcpAuthKey = try derive(.rtcpAuthentication, authKeyLength)
        rtcpSalt = try derive(.rtcpSalt, saltLength)
    }

    /// x = (label || r) XOR master salt with r = 0 (the label lands on byte 7
    /// of the 112-bit salt); the key is the AES-CM keystream from IV x * 2^16.
    static func derive(prf: AES128Counter, masterSalt: [UInt8], label: Label, length: Int) throws(SRTPError) -> [UInt8] {
        guard masterSalt.count <= 14 else { throw .invalidKeyLength }
        var iv = masterSalt + [UInt8](repeating: 0, count: 16 - masterSalt.count)
        iv[7] ^= label.rawValue
        var output = [UInt8](repeating: 0, count: length)
        guard length > 0 else { return output }
        let ok = output.withUnsafeMutableBytes { bytes in
            prf.apply(iv: iv, to: bytes.baseAddress!, count: length)
        }
        guard ok else { throw .cryptoFailed }
        return output
    }
}
