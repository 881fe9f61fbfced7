import MeetBytes

/// AEAD_AES_128_GCM packet transforms (RFC 7714): the header is additional
/// authenticated data, the payload is encrypted, and the 16-byte GCM tag
/// follows it. SRTCP's E flag and index word goes after the tag (§9.2).
final class SRTPTransformAESGCM {
    let tagLength = AES128GCM.tagLength
    private let rtpCipher: AES128GCM
    private let rtcpCipher: AES128GCM
    private let rtpSalt: [UInt8]
    private let rtcpSalt: [UInt8]
    /// IV (12) | index word (4), reused by every packet.
    private let scratch: UnsafeMutablePointer<UInt8>

    init(keys: SRTPSessionKeys, encrypting: Bool) throws(SRTPError) {
        rtpCipher = try AES128GCM(key: keys.rtpKey, encrypting: encrypting)
        rtcpCipher = try AES128GCM(key: keys.rtcpKey, encrypting: encrypting)
        rtpSalt = keys.rtpSalt
        rtcpSalt = keys.rtcpSalt
        scratch = .allocate(capacity: 16)
        scratch.initialize(repeating: 0, count: 16)
    }

    deinit {
        scratch.deallocate()
    }

    private var iv: UnsafeMutablePointer<UInt8> { scratch }
    private var word: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: scratch + 12, count: 4) }

    /// IV = (0x0000 || SSRC || high || low) XOR salt: for SRTP `high` is the
    /// ROC and `low` the 16-bit SEQ (§8.1); for SRTCP 0x0000 and the 31-bit
    /// index (§9.1).
    private func setIV(salt: [UInt8], ssrc: UInt32, high: UInt32, low: UInt32, lowBytes: Int) {
        for offset in 0..<12 { iv[offset] = 0 }
        let raw = UnsafeMutableRawPointer(iv)
        raw.storeBigEndian(ssrc, at: 2)
        if lowBytes == 2 {
            raw.storeBigEndian(high, at: 6)
            iv[10] = UInt8(truncatingIfNeeded: low >> 8)
            iv[11] = UInt8(truncatingIfNeeded: low)
        } else {
            iv[6] = UInt8(truncatingIfNeeded: high >> 8)
            iv[7] = UInt8(truncatingIfNeeded: high)
            raw.storeBigEndian(low, at: 8)
        }
        for offset in 0..<12 { iv[offset] ^= salt[offset] }
    }

    private static var none: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int, ssrc: UInt32, index: UInt64) -> Int? {
        setIV(salt: rtpSalt, ssrc: ssrc, high: UInt32(truncatingIfNeeded: index >> 16), low: UInt32(index & 0xFFFF), lowBytes: 2)
        guard rtpCipher.seal(
            iv: iv, aad: UnsafeRawBufferPointer(start: packet, count: headerLength), aad2: Self.none,
            text: packet + headerLength, count: length - headerLength, tag: packet + length)
        else { return nil }
        return length + tagLength
    }

    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int, ssrc: UInt32, index: UInt64) -> Int? {
        let textEnd = length - tagLength
        setIV(salt: rtpSalt, ssrc: ssrc, high: UInt32(truncatingIfNeeded: index >> 16), low: UInt32(index & 0xFFFF), lowBytes: 2)
        guard rtpCipher.open(
            iv: iv, aad: UnsafeRawBufferPointer(start: packet, count: headerLength), aad2: Self.none,
            text: packet + headerLength, count: textEnd - headerLength, tag: packet + textEnd)
        else { return nil }
        return textEnd
    }

    /// Offset of the E flag and SRTCP index word: the packet's last 4 bytes.
    func rtcpIndexOffset(length: Int) -> Int { length - 4 }

    /// header(8) | ciphertext | tag(16) | E || index; the AAD is the header
    /// and the index word (§9.1, §9.2).
    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32, index: UInt32) -> Int? {
        let trailer = 0x8000_0000 | index
        UnsafeMutableRawPointer(scratch).storeBigEndian(trailer, at: 12)
        setIV(salt: rtcpSalt, ssrc: ssrc, high: 0, low: index, lowBytes: 4)
        guard rtcpCipher.seal(
            iv: iv, aad: UnsafeRawBufferPointer(start: packet, count: 8), aad2: word,
            text: packet + 8, count: length - 8, tag: packet + length)
        else { return nil }
        packet.storeBigEndian(trailer, at: length + tagLength)
        return length + tagLength + 4
    }

    /// With E set the payload after the header is decrypted; without it the
    /// whole packet is AAD (RFC 7714 §9.3) and only the tag is checked.
    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32, word trailer: UInt32) -> Int? {
        let tagStart = length - 4 - tagLength
        UnsafeMutableRawPointer(scratch).storeBigEndian(trailer, at: 12)
        setIV(salt: rtcpSalt, ssrc: ssrc, high: 0, low: trailer & 0x7FFF_FFFF, lowBytes: 4)
        let encrypted = trailer & 0x8000_0000 != 0
        let aadLength = encrypted ? 8 : tagStart
        guard rtcpCipher.open(
            iv: iv, aad: UnsafeRawBufferPointer(start: packet, count: aadLength), aad2: word,
            text: packet + aadLength, count: tagStart - aadLength, tag: packet + tagStart)
        else { return nil }
        return tagStart
    }
}
