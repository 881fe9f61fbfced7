import CSRTP

/// Why protecting or unprotecting a packet failed. Each is a drop the caller
/// counts; none traps.
public enum SRTPError: Error, Equatable, Sendable {
    /// libsrtp failed to initialise (`srtp_init`).
    case libraryInitFailed
    /// Master key or salt of the wrong length for the profile.
    case invalidKeyLength
    /// `srtp_create` refused the policy.
    case setupFailed(code: Int32)
    /// Protect called on an inbound context or unprotect on an outbound one.
    case wrongDirection
    /// The buffer has no room for the trailer (`SRTPContext.trailerRoom`).
    case bufferTooSmall
    /// Too short or not a version-2 RTP/RTCP packet; libsrtp never sees it.
    case malformedPacket
    /// The tag did not verify: tampered, wrong key, or not ours.
    case authenticationFailed
    /// The packet index was already seen (RFC 3711 §3.3.2).
    case replayed
    /// The packet index is behind the replay window.
    case tooOld
    /// The SRTCP index space (2^31 packets) is used up: rekey (RFC 3711 §9.2).
    case keyExhausted
    /// OpenSSL refused a cipher operation (setup or a packet).
    case cryptoFailed
    /// Any other libsrtp status.
    case failed(code: Int32)

    init(status: srtp_err_status_t) {
        switch status {
        // cant_check: an SRTCP packet whose E flag says "not encrypted" while
        // the policy encrypts (RFC 3711 §3.4); it cannot be trusted either way.
        case srtp_err_status_auth_fail, srtp_err_status_cant_check: self = .authenticationFailed
        case srtp_err_status_replay_fail: self = .replayed
        case srtp_err_status_replay_old: self = .tooOld
        case srtp_err_status_parse_err, srtp_err_status_bad_param: self = .malformedPacket
        case srtp_err_status_key_expired: self = .keyExhausted
        default: self = .failed(code: Int32(bitPattern: status.rawValue))
        }
    }
}

/// `srtp_init` once per process; Swift runs a global's initializer exactly
/// once, thread-safely.
enum LibSRTP {
    static let initialized: Bool = srtp_init() == srtp_err_status_ok
}
