public import Metrics

/// Why a datagram on the media port was dropped.
public enum DropReason: String, Sendable, CaseIterable {
    /// Empty, or the first byte is outside the STUN/DTLS/RTP ranges (RFC 7983).
    case unclassified = "unclassified"
    /// STUN that does not parse, or is not a request we answer.
    case malformedSTUN = "malformed_stun"
    /// A Binding request whose USERNAME names no known peer.
    case unknownUfrag = "unknown_ufrag"
    /// A Binding request that failed MESSAGE-INTEGRITY or the ICE checks.
    case badCredentials = "bad_credentials"
    /// DTLS or media from an address no authenticated Binding request came from.
    case unknownAddress = "unknown_address"
    /// Media before the DTLS handshake finished.
    case beforeDTLS = "before_dtls"
    /// A DTLS record the handshake rejected.
    case dtlsError = "dtls_error"
    /// After the handshake, a DTLS datagram none of whose records was used:
    /// malformed, of another epoch (a plaintext alert included), too short
    /// for the cipher, or not authenticated (RFC 6347 §4.1.2.7).
    case dtlsDiscarded = "dtls_discarded"
    /// SRTP/SRTCP that failed authentication or replay protection.
    case srtpUnprotect = "srtp_unprotect"
    /// RTP/RTCP that does not parse, or names no negotiated track.
    case malformedRTP = "malformed_rtp"
    /// RTP on a new SSRC of a simulcast section whose RtpStreamId names
    /// none of the section's negotiated RIDs, or is missing (RFC 8852).
    case unknownRID = "unknown_rid"
    /// The peer is closed.
    case closed = "closed"
}

/// Cached swift-metrics handles for the media port (label prefix `meet_rtc_`).
///
/// Handles are made once, so counting a drop on the packet path does not
/// allocate (swift-metrics recommends caching handles).
public final class RTCMetrics: Sendable {
    public static let shared = RTCMetrics()

    private let drops: [DropReason: Counter]
    public let datagramsIn: Counter
    public let datagramsOut: Counter
    /// Datagrams we meant to send that the kernel had no room for (or
    /// refused); never queued, never retried.
    public let sendDrops: Counter
    /// Datagrams the kernel had no room for (`EAGAIN`/`ENOBUFS`), queued on NIO's channel instead.
    public let sendDeferred: Counter
    public let peersCreated: Counter
    public let peersClosed: Counter
    /// Datagrams a worker's socket received for another worker's peer and
    /// handed over (``RTCSocketGroup``); 0 with one worker.
    public let handedOff: Counter

    public init() {
        var drops: [DropReason: Counter] = [:]
        for reason in DropReason.allCases {
            drops[reason] = Counter(label: "meet_rtc_dropped_datagrams_total", dimensions: [("reason", reason.rawValue)])
        }
        self.drops = drops
        datagramsIn = Counter(label: "meet_rtc_datagrams_received_total")
        datagramsOut = Counter(label: "meet_rtc_datagrams_sent_total")
        sendDrops = Counter(label: "meet_rtc_send_dropped_datagrams_total")
        sendDeferred = Counter(label: "meet_rtc_send_deferred_datagrams_total")
        peersCreated = Counter(label: "meet_rtc_peer_connections_created_total")
        peersClosed = Counter(label: "meet_rtc_peer_connections_closed_total")
        handedOff = Counter(label: "meet_rtc_handed_off_datagrams_total")
    }

    /// Counts one dropped datagram.
    @inline(__always)
    public func drop(_ reason: DropReason) {
        drops[reason]?.increment()
    }
}
