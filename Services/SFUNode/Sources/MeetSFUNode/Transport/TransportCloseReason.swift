import MeetRTC

/// Why a node closed a transport: the `reason` of `sfu.transport-closed`,
/// which meet-ws passes on to clients as `subscription-closed`'s `reason`,
/// and the `reason` label of `meet_sfu_transports_closed_total`. Stable
/// snake_case machine values, a closed set (docs/signaling.md, "Reasons").
public enum TransportCloseReason: String, Sendable, CaseIterable {
    /// A subscriber's publisher transport closed (or was gone when its answer came).
    case publisherClosed = "publisher_closed"
    /// `sfu.close-transport` named it.
    case closedByRequest = "closed_by_request"
    /// `sfu.close-participant` named its participant (leave, kick, meeting end).
    case participantClosed = "participant_closed"
    /// A retired publisher whose subscribers moved (or whose migration timed out).
    case migrated
    /// The node shut down (drain deadline, shutdown).
    case nodeShutdown = "node_shutdown"
    /// The peer closed the connection (DTLS close_notify) or the node's socket closed.
    case connectionClosed = "connection_closed"
    /// No connectivity check succeeded, or consent expired (RFC 7675).
    case iceFailed = "ice_failed"
    /// The DTLS handshake failed or timed out, or the fingerprint did not match.
    case dtlsFailed = "dtls_failed"
    /// SRTP keys could not be installed, or another layer failed.
    case connectionFailed = "connection_failed"

    /// The reason for a connection that ended on its own.
    init(ended state: PeerConnectionState) {
        switch state {
        case .failed(.ice, _): self = .iceFailed
        case .failed(.dtls, _): self = .dtlsFailed
        case .failed: self = .connectionFailed
        default: self = .connectionClosed
        }
    }
}
