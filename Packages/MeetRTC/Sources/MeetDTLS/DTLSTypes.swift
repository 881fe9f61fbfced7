#if canImport(NIOCore)
public import NIOCore
#endif

/// Which side of the DTLS handshake this endpoint plays. In SDP terms
/// (RFC 5763 §5, RFC 8842): `a=setup:active` is the client,
/// `a=setup:passive` the server. An ICE-lite SFU answers `passive`.
public enum DTLSRole: Sendable, Equatable {
    case client
    case server
}

/// Where a connection stands.
public enum DTLSState: Sendable, Equatable {
    /// Created; `start(now:)` not yet called.
    case new
    /// Handshake in progress (or finished but waiting for the remote
    /// fingerprint to check the peer's certificate against).
    case connecting
    /// Handshake done and the peer's certificate matched: keys exported.
    case connected
    /// close_notify sent or received.
    case closed
    /// A fatal error; the connection is unusable.
    case failed
}

/// What the I/O layer must do after feeding the connection an event.
public enum DTLSAction: Sendable {
    /// Send this datagram to the peer (at most one MTU).
    case sendDatagram(ByteBuffer)
    /// The handshake finished and the peer's fingerprint matched: here are
    /// the SRTP keys for this endpoint.
    case connected(DTLSSRTPKeyingMaterial)
    /// Decrypted application data (SCTP for data channels, RFC 8261).
    case applicationData(ByteBuffer)
    /// After the handshake, nothing in the datagram was used: every record
    /// was discarded (RFC 6347 §4.1.2.7). The association is unchanged; the
    /// I/O layer counts the drop.
    case discarded(DTLSDiscardReason)
    /// The peer sent close_notify.
    case closed
    /// The connection failed; no keys will come.
    case failed(DTLSError)
}

/// Tunables per connection.
///
/// Retransmission runs on OpenSSL's own timer, which reads the wall clock:
/// `nextTimeout` tells the I/O layer when to call `handleTimeout(now:)`, and
/// OpenSSL retransmits only once its timer really expired. OpenSSL 3.0 will
/// not run a timer shorter than about 16 ms.
public struct DTLSConfiguration: Sendable {
    /// The path MTU used to fragment handshake messages: 1200 keeps a DTLS
    /// flight inside any path WebRTC meets (what Chrome and pion use).
    public var mtu: Int
    /// The first retransmission timeout; it doubles on each expiry
    /// (RFC 6347 §4.2.4.1 recommends 1 s).
    public var initialRetransmitTimeout: Duration
    /// The cap of the doubling (RFC 6347 §4.2.4.1: at least 60 s). Values
    /// under 16 ms are raised to 16 ms.
    public var maximumRetransmitTimeout: Duration
    /// Retransmissions of one flight before the handshake fails with
    /// `handshakeTimedOut` (1 + 2 + 4 + 8 + 16 + 32 s ≈ 1 min by default).
    public var maximumRetransmissions: Int

    public init(
        mtu: Int = 1200,
        initialRetransmitTimeout: Duration = .seconds(1),
        maximumRetransmitTimeout: Duration = .seconds(60),
        maximumRetransmissions: Int = 6
    ) {
        self.mtu = mtu
        self.initialRetransmitTimeout = initialRetransmitTimeout
        self.maximumRetransmitTimeout = maximumRetransmitTimeout
        self.maximumRetransmissions = maximumRetransmissions
    }
}

extension Duration {
    /// Whole microseconds, clamped to what OpenSSL's timer callback takes.
    var clampedMicroseconds: UInt32 {
        let (seconds, attoseconds) = components
        let total = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !total.overflow else { return seconds < 0 ? 0 : .max }
        return UInt32(clamping: total.partialValue + attoseconds / 1_000_000_000_000)
    }
}
