import COpenSSL

/// HMAC-SHA1 (RFC 2104) with the key folded in once: the SHA-1 states after
/// the ipad and opad blocks are kept, and each message starts from copies of
/// them (plain structs on the stack), so authenticating a packet allocates
/// nothing (RFC 3711 §4.2.1).
struct HMACSHA1 {
    static let digestLength = 20
    private static let blockLength = 64
    private var inner = SHA_CTX()
    private var outer = SHA_CTX()

    init(key: [UInt8]) throws(SRTPError) {
        guard key.count <= Self.blockLength else { throw .invalidKeyLength }
        var padded = key + [UInt8](repeating: 0, count: Self.blockLength - key.count)
        let innerPad = padded.map { $0 ^ 0x36 }
        let outerPad = padded.map { $0 ^ 0x5C }
        guard meet_sha1_init(&inner) == 1, meet_sha1_update(&inner, innerPad, Self.blockLength) == 1,
              meet_sha1_init(&outer) == 1, meet_sha1_update(&outer, outerPad, Self.blockLength) == 1
        else { throw .cryptoFailed }
        for index in padded.indices { padded[index] = 0 }
    }

    /// Writes HMAC(key, `message` || `suffix`) (20 bytes) to `digest`.
    func authenticate(
        _ message: UnsafeRawBufferPointer, suffix: UnsafeRawBufferPointer, into digest: UnsafeMutablePointer<UInt8>
    ) {
        var state = inner
        if let base = message.baseAddress, message.count > 0 { _ = meet_sha1_update(&state, base, message.count) }
        if let base = suffix.baseAddress, suffix.count > 0 { _ = meet_sha1_update(&state, base, suffix.count) }
        _ = meet_sha1_final(digest, &state)
        var outerState = outer
        _ = meet_sha1_update(&outerState, digest, Self.digestLength)
        _ = meet_sha1_final(digest, &outerState)
    }
}
