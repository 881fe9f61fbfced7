import COpenSSL

/// AES-128 in counter mode (RFC 3711 §4.1.1) on one OpenSSL EVP context made
/// once per session key. Each packet only sets a new counter block
/// (`EVP_CipherInit_ex2` with no cipher and no key), which neither refetches
/// the cipher nor allocates; OpenSSL picks AES-NI where the CPU has it.
final class AES128Counter {
    private let context: OpaquePointer

    init(key: [UInt8]) throws(SRTPError) {
        guard key.count == 16 else { throw .invalidKeyLength }
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-128-CTR", nil) else { throw .cryptoFailed }
        defer { EVP_CIPHER_free(cipher) }
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoFailed }
        let zeroIV = [UInt8](repeating: 0, count: 16)
        guard EVP_EncryptInit_ex2(context, cipher, key, zeroIV, nil) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .cryptoFailed
        }
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// XORs the keystream that starts at counter block `iv` (16 bytes) into
    /// `count` bytes at `bytes`, in place: encryption and decryption alike.
    func apply(iv: UnsafePointer<UInt8>, to bytes: UnsafeMutableRawPointer, count: Int) -> Bool {
        guard EVP_CipherInit_ex2(context, nil, nil, iv, 1, nil) == 1 else { return false }
        guard count > 0 else { return true }
        let data = bytes.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        return EVP_CipherUpdate(context, data, &written, data, Int32(count)) == 1 && Int(written) == count
    }
}

/// AES-128-GCM with a 16-byte tag (RFC 7714 §7) on one EVP context made once
/// per session key and direction; each packet sets only the 12-byte IV.
final class AES128GCM {
    static let tagLength = 16
    private let context: OpaquePointer
    private let encrypting: Bool

    init(key: [UInt8], encrypting: Bool) throws(SRTPError) {
        guard key.count == 16 else { throw .invalidKeyLength }
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-128-GCM", nil) else { throw .cryptoFailed }
        defer { EVP_CIPHER_free(cipher) }
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoFailed }
        let zeroIV = [UInt8](repeating: 0, count: 12)
        guard EVP_CipherInit_ex2(context, cipher, key, zeroIV, encrypting ? 1 : 0, nil) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .cryptoFailed
        }
        self.context = context
        self.encrypting = encrypting
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Encrypts `count` bytes at `text` in place and writes the tag to `tag`.
    /// `aad` and `aad2` are authenticated, in that order, but not encrypted.
    func seal(
        iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer,
        text: UnsafeMutableRawPointer, count: Int, tag: UnsafeMutableRawPointer
    ) -> Bool {
        guard encrypting, start(iv: iv, aad: aad, aad2: aad2), update(text, count) else { return false }
        var written: Int32 = 0
        let end = text.advanced(by: count).assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherFinal_ex(context, end, &written) == 1 else { return false }
        return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), tag) == 1
    }

    /// Decrypts `count` bytes at `text` in place and verifies `tag`; false
    /// when the tag does not match (the text is then garbage).
    func open(
        iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer,
        text: UnsafeMutableRawPointer, count: Int, tag: UnsafeMutableRawPointer
    ) -> Bool {
        guard !encrypting, start(iv: iv, aad: aad, aad2: aad2),
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), tag) == 1,
              update(text, count)
        else { return false }
        var written: Int32 = 0
        let end = text.advanced(by: count).assumingMemoryBound(to: UInt8.self)
        return EVP_CipherFinal_ex(context, end, &written) == 1
    }

    private func start(iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer) -> Bool {
        EVP_CipherInit_ex2(context, nil, nil, iv, encrypting ? 1 : 0, nil) == 1
            && authenticate(aad) && authenticate(aad2)
    }

    private func authenticate(_ part: UnsafeRawBufferPointer) -> Bool {
        guard let base = part.baseAddress, part.count > 0 else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, nil, &written, base.assumingMemoryBound(to: UInt8.self), Int32(part.count)) == 1
    }

    private func update(_ text: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        let data = text.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        return EVP_CipherUpdate(context, data, &written, data, Int32(count)) == 1
    }
}
