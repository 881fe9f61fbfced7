import COpenSSL

/// Why a DTLS operation failed. Every failure of the façade is one of these;
/// nothing traps on bad input.
public enum DTLSError: Error, Equatable, Sendable {
    /// The datagram's first byte is outside 20...63, so it is not DTLS
    /// (RFC 7983 §7); the caller should route it elsewhere or drop it.
    case notDTLS
    /// OpenSSL refused to set something up (context, certificate, key).
    case setupFailed(String)
    /// The handshake failed (bad record, alert from the peer, timeout...).
    case handshakeFailed(String)
    /// A fatal error after the handshake (e.g. an alert from the peer).
    case protocolError(String)
    /// The retransmission timer fired too often without an answer.
    case handshakeTimedOut
    /// The peer presented no certificate.
    case noPeerCertificate
    /// The peer's certificate does not hash to any fingerprint of the
    /// remote description (RFC 8122 §5, RFC 5763 §5).
    case fingerprintMismatch(actual: DTLSFingerprint)
    /// The peer did not agree on any SRTP protection profile we offered
    /// (RFC 5764 §4.1.2).
    case noSRTPProfile
    /// SSL_export_keying_material failed.
    case keyExportFailed
    /// A fingerprint string from SDP could not be parsed.
    case invalidFingerprint(String)
    /// The call makes no sense in the current state (e.g. sending
    /// application data before the handshake completed).
    case invalidState(DTLSState)
    /// The application data is larger than one DTLS record may carry.
    case payloadTooLarge
}

/// Pops OpenSSL's per-thread error queue into one readable line and leaves the
/// queue empty, so a failure never leaks into the next call on this thread.
func drainOpenSSLErrors() -> String {
    var parts: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return parts.isEmpty ? "unknown OpenSSL error" : parts.joined(separator: "; ")
}
