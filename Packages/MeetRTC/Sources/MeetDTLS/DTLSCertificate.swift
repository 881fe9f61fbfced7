import COpenSSL

/// A self-signed ECDSA P-256 certificate and its private key, as WebRTC uses
/// for DTLS-SRTP: identity comes from the fingerprint in the signalled SDP
/// (RFC 8827 §6.5, RFC 5763 §5), never from a CA chain.
///
/// Generate one per process (`DTLSCertificate.generate()`) and share it: the
/// object is immutable once built and OpenSSL reference-counts the key and
/// certificate, so many connections can use it from any thread.
///
/// Why `@unchecked Sendable` and not loop-bound: the compiler cannot see
/// through the `OpaquePointer`s, but every stored property is a `let` set in
/// `init` and never written again; OpenSSL only reads the `X509`/`EVP_PKEY`
/// afterwards (`SSL_CTX_use_certificate` takes its own reference,
/// `X509_digest` in ``fingerprint(using:)`` reads), which OpenSSL 3
/// documents as safe from many threads. No event loop owns it.
public final class DTLSCertificate: @unchecked Sendable {
    /// `X509 *`; owned, freed in deinit.
    let x509: OpaquePointer
    /// `EVP_PKEY *`; owned, freed in deinit.
    let privateKey: OpaquePointer
    /// The SHA-256 fingerprint, the form put into `a=fingerprint`.
    public let fingerprint: DTLSFingerprint

    private init(x509: OpaquePointer, privateKey: OpaquePointer, fingerprint: DTLSFingerprint) {
        self.x509 = x509
        self.privateKey = privateKey
        self.fingerprint = fingerprint
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(privateKey)
    }

    /// Makes a new key pair and a self-signed X.509 v3 certificate for it.
    ///
    /// - Parameters:
    ///   - commonName: the subject and issuer CN; peers ignore it.
    ///   - validityDays: notAfter is this many days from now; notBefore is one
    ///     day back so a peer with a skewed clock still accepts it.
    public static func generate(commonName: String = "meet", validityDays: Int = 30) throws(DTLSError) -> DTLSCertificate {
        ERR_clear_error()
        guard let key = meet_ec_p256_keygen() else {
            throw .setupFailed("EC P-256 key generation: \(drainOpenSSLErrors())")
        }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw .setupFailed("X509_new: \(drainOpenSSLErrors())")
        }
        do throws(DTLSError) {
            try fill(x509, key: key, commonName: commonName, validityDays: validityDays)
            guard let fingerprint = DTLSFingerprint.of(x509, algorithm: .sha256) else {
                throw .setupFailed("certificate digest")
            }
            return DTLSCertificate(x509: x509, privateKey: key, fingerprint: fingerprint)
        } catch {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw error
        }
    }

    private static func fill(_ x509: OpaquePointer, key: OpaquePointer, commonName: String, validityDays: Int) throws(DTLSError) {
        // Version 3 is encoded as 2. A random positive 63-bit serial keeps two
        // certificates of the same process from colliding.
        var serial: UInt64 = 0
        guard RAND_bytes(&serial, Int32(MemoryLayout<UInt64>.size)) == 1 else {
            throw .setupFailed("RAND_bytes: \(drainOpenSSLErrors())")
        }
        serial &= 0x7FFF_FFFF_FFFF_FFFF
        if serial == 0 { serial = 1 }
        guard X509_set_version(x509, 2) == 1,
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1,
              X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), max(1, validityDays) * 86_400) != nil,
              X509_set_pubkey(x509, key) == 1
        else { throw .setupFailed("certificate fields: \(drainOpenSSLErrors())") }

        guard let name = X509_NAME_new() else { throw .setupFailed("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        let added = commonName.utf8CString.withUnsafeBufferPointer { cn in
            cn.withMemoryRebound(to: UInt8.self) { bytes in
                X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, bytes.baseAddress, -1, -1, 0)
            }
        }
        guard added == 1,
              X509_set_subject_name(x509, name) == 1,
              X509_set_issuer_name(x509, name) == 1
        else { throw .setupFailed("certificate name: \(drainOpenSSLErrors())") }

        guard X509_sign(x509, key, EVP_sha256()) > 0 else {
            throw .setupFailed("X509_sign: \(drainOpenSSLErrors())")
        }
    }

    /// The fingerprint under another hash function (for an SDP that asks for
    /// one other than SHA-256).
    public func fingerprint(using algorithm: DTLSFingerprint.Algorithm) -> DTLSFingerprint? {
        DTLSFingerprint.of(x509, algorithm: algorithm)
    }
}
