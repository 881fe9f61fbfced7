import COpenSSL

/// An OpenSSL `SSL_CTX` set up for WebRTC's DTLS 1.2 (RFC 8827 §6.5,
/// RFC 5764): our certificate and key, ECDHE cipher suites, the `use_srtp`
/// extension, a peer certificate required from both sides (checked by
/// fingerprint, not by chain), and no tickets, cache or renegotiation.
///
/// Build one per process (or per certificate) and share it across every
/// `DTLSConnection`: a configured `SSL_CTX` is safe to use from many threads.
///
/// Why `@unchecked Sendable` and not loop-bound: the `SSL_CTX` pointer hides
/// it from the compiler, but the context is configured completely in `init`
/// and never changed after (every stored property is a `let`; no method
/// mutates `ctx`); `SSL_new` only reads it and takes a reference, which
/// OpenSSL 3 allows from many threads at once once the `SSL_CTX` is set up.
/// Each `DTLSConnection` (its own `SSL`) stays on its peer's event loop.
public final class DTLSContext: @unchecked Sendable {
    /// `SSL_CTX *`; owned, freed in deinit.
    let ctx: OpaquePointer
    public let certificate: DTLSCertificate
    public let srtpProfiles: [DTLSSRTPProfile]

    /// ECDHE suites only (forward secrecy), AEAD first. ECDSA suites serve our
    /// own certificate; RSA ones let us be the client of an RSA-keyed peer.
    static let cipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
    ].joined(separator: ":")

    /// - Parameters:
    ///   - certificate: our identity; its fingerprint goes into our SDP.
    ///   - srtpProfiles: offered in this order of preference.
    public init(
        certificate: DTLSCertificate,
        srtpProfiles: [DTLSSRTPProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80]
    ) throws(DTLSError) {
        ERR_clear_error()
        guard !srtpProfiles.isEmpty else { throw .setupFailed("no SRTP profile") }
        guard let ctx = SSL_CTX_new(DTLS_method()) else {
            throw .setupFailed("SSL_CTX_new: \(drainOpenSSLErrors())")
        }
        self.ctx = ctx
        self.certificate = certificate
        self.srtpProfiles = srtpProfiles

        guard SSL_CTX_use_certificate(ctx, certificate.x509) == 1,
              SSL_CTX_use_PrivateKey(ctx, certificate.privateKey) == 1,
              SSL_CTX_check_private_key(ctx) == 1
        else { throw .setupFailed("certificate/key: \(drainOpenSSLErrors())") }
        guard meet_ssl_ctx_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1,
              SSL_CTX_set_cipher_list(ctx, Self.cipherList) == 1
        else { throw .setupFailed("version/ciphers: \(drainOpenSSLErrors())") }
        // Note the inverted convention: 0 means success for this one.
        let profiles = srtpProfiles.map(\.openSSLName).joined(separator: ":")
        guard SSL_CTX_set_tlsext_use_srtp(ctx, profiles) == 0 else {
            throw .setupFailed("use_srtp: \(drainOpenSSLErrors())")
        }
        meet_ssl_ctx_require_peer_certificate(ctx)
        meet_ssl_ctx_set_read_ahead(ctx, 1)
        meet_ssl_ctx_set_webrtc_options(ctx)
    }

    deinit {
        SSL_CTX_free(ctx)
    }
}
