import MeetBytes

/// AES_CM_128_HMAC_SHA1_80 packet transforms (RFC 3711 §4.1.1, §4.2.1):
/// AES-128 in counter mode, then an HMAC-SHA1 tag truncated to `tagLength`
/// bytes over the authenticated portion (and, for SRTP, the ROC).
///
/// Keys are per context, not per SSRC (the SSRC only enters the IV), so one
/// cipher and one HMAC state per direction serve every stream.
final class SRTPTransformAESCM {
    let tagLength: Int
    private let rtpCipher: AES128Counter
    private let rtcpCipher: AES128Counter
    private let rtpAuth: HMACSHA1
    private let rtcpAuth: HMACSHA1
    private let rtpSalt: [UInt8]
    private let rtcpSalt: [UInt8]
    /// IV (16) | suffix (4) | digest (20), reused by every packet.
    private let scratch: UnsafeMutablePointer<UInt8>

    init(keys: SRTPSessionKeys, tagLength: Int) throws(SRTPError) {
        self.tagLength = tagLength
        rtpCipher = try AES128Counter(key: keys.rtpKey)
        rtcpCipher = try AES128Counter(key: keys.rtcpKey)
        rtpAuth = try HMACSHA1(key: keys.rtpAuthKey)
        rtcpAuth = try HMACSHA1(key: keys.rtcpAuthKey)
        rtpSalt = keys.rtpSalt
        rtcpSalt = keys.rtcpSalt
        scratch = .allocate(capacity: 48)
        scratch.initialize(repeating: 0, count: 48)
    }

    deinit {
        scratch.initialize(repeating: 0, count: 48)
        scratch.deallocate()
    }

    private var iv: UnsafeMutablePointer<UInt8> { scratch }
    private var suffix: UnsafeMutablePointer<UInt8> { scratch + 16 }
    private var digest: UnsafeMutablePointer<UInt8> { scratch + 20 }

    /// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), §4.1.1.
    private func setIV(salt: [UInt8], ssrc: UInt32, index: UInt64) {
        for offset in 0..<14 { iv[offset] = salt[offset] }
        iv[14] = 0
        iv[15] = 0
        for shift in 0..<4 { iv[7 - shift] ^= UInt8(truncatingIfNeeded: ssrc >> (8 * UInt32(shift))) }
        for shift in 0..<6 { iv[13 - shift] ^= UInt8(truncatingIfNeeded: index >> (8 * UInt64(shift))) }
    }

    private func mac(_ auth: HMACSHA1, _ packet: UnsafeMutableRawPointer, _ count: Int, suffixLength: Int) {
        auth.authenticate(
            UnsafeRawBufferPointer(start: packet, count: count),
            suffix: UnsafeRawBufferPointer(start: suffix, count: suffixLength), into: digest)
    }

    private func tagMatches(at tag: UnsafeMutableRawPointer) -> Bool {
        var difference: UInt8 = 0
        let bytes = tag.assumingMemoryBound(to: UInt8.self)
        for offset in 0..<tagLength { difference |= bytes[offset] ^ digest[offset] }
        return difference == 0
    }

    /// Encrypts the payload after `headerLength` and appends the tag.
    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int, ssrc: UInt32, index: UInt64) -> Int? {
        setIV(salt: rtpSalt, ssrc: ssrc, index: index)
        guard rtpCipher.apply(iv: iv, to: packet + headerLength, count: length - headerLength) else { return nil }
        UnsafeMutableRawPointer(suffix).storeBigEndian(UInt32(truncatingIfNeeded: index >> 16), at: 0)
        mac(rtpAuth, packet, length, suffixLength: 4)
        (packet + length).copyMemory(from: digest, byteCount: tagLength)
        return length + tagLength
    }

    /// Verifies the tag, then decrypts; nil when the tag does not verify.
    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int, ssrc: UInt32, index: UInt64) -> Int? {
        let authenticated = length - tagLength
        UnsafeMutableRawPointer(suffix).storeBigEndian(UInt32(truncatingIfNeeded: index >> 16), at: 0)
        mac(rtpAuth, packet, authenticated, suffixLength: 4)
        guard tagMatches(at: packet + authenticated) else { return nil }
        setIV(salt: rtpSalt, ssrc: ssrc, index: index)
        guard rtpCipher.apply(iv: iv, to: packet + headerLength, count: authenticated - headerLength) else { return nil }
        return authenticated
    }

    /// Offset of the E flag and SRTCP index word in a protected packet.
    func rtcpIndexOffset(length: Int) -> Int { length - tagLength - 4 }

    /// Encrypts after the first 8 bytes, appends E || index, then the tag (§3.4).
    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32, index: UInt32) -> Int? {
        setIV(salt: rtcpSalt, ssrc: ssrc, index: UInt64(index))
        guard rtcpCipher.apply(iv: iv, to: packet + 8, count: length - 8) else { return nil }
        packet.storeBigEndian(0x8000_0000 | index, at: length)
        mac(rtcpAuth, packet, length + 4, suffixLength: 0)
        (packet + length + 4).copyMemory(from: digest, byteCount: tagLength)
        return length + 4 + tagLength
    }

    /// Verifies the tag over header, payload and index word, then decrypts
    /// when the E flag is set (the context refuses a clear one); nil when the
    /// tag does not verify.
    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32, word: UInt32) -> Int? {
        let authenticated = length - tagLength
        mac(rtcpAuth, packet, authenticated, suffixLength: 0)
        guard tagMatches(at: packet + authenticated) else { return nil }
        let plainLength = authenticated - 4
        if word & 0x8000_0000 != 0 {
            setIV(salt: rtcpSalt, ssrc: ssrc, index: UInt64(word & 0x7FFF_FFFF))
            guard rtcpCipher.apply(iv: iv, to: packet + 8, count: plainLength - 8) else { return nil }
        }
        return plainLength
    }
}
