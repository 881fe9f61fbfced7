import CSRTP

/// The SRTP protection profiles we support (RFC 5764 §4.1.2, RFC 7714 §14.2).
/// The raw value is the IANA DTLS-SRTP profile identifier, the same number
/// MeetDTLS's `DTLSSRTPProfile` uses.
public enum SRTPProfile: UInt16, Sendable, CaseIterable {
    /// AES-128 counter mode, HMAC-SHA1 tag truncated to 80 bits (RFC 3711).
    case aes128CMHMACSHA1_80 = 0x0001
    /// AES-128-GCM with a 128-bit tag (RFC 7714).
    case aeadAES128GCM = 0x0007

    public var masterKeyLength: Int { 16 }

    public var masterSaltLength: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 14
        case .aeadAES128GCM: 12
        }
    }

    /// Bytes an SRTP packet grows by: the authentication tag.
    public var rtpOverhead: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 10
        case .aeadAES128GCM: 16
        }
    }

    /// Bytes an SRTCP packet grows by: E flag + 31-bit index, then the tag
    /// (RFC 3711 §3.4).
    public var rtcpOverhead: Int { 4 + rtpOverhead }

    /// Fills libsrtp's crypto policy for RTP and RTCP.
    func apply(to policy: inout srtp_policy_t) {
        switch self {
        case .aes128CMHMACSHA1_80:
            meet_srtp_policy_aes_cm_128_hmac_sha1_80(&policy.rtp)
            meet_srtp_policy_aes_cm_128_hmac_sha1_80(&policy.rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
    }
}
