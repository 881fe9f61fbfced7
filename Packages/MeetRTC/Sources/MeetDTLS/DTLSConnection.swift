import COpenSSL
#if canImport(NIOCore)
public import NIOCore
#endif

/// One DTLS 1.2 association driven without sockets (sans-I/O).
///
/// OpenSSL reads from and writes to two memory BIOs; the I/O layer feeds each
/// received datagram to `receive(_:now:)`, calls `handleTimeout(now:)` when
/// `nextTimeout` passes, and executes the returned `DTLSAction`s (send a
/// datagram, install SRTP keys, deliver SCTP data, tear down). Time is
/// injected, so tests drive retransmission with a test clock.
///
/// After the handshake the peer's certificate is hashed and compared with the
/// fingerprints from the remote SDP (RFC 8122 §5, RFC 5763 §5); only on a
/// match are the SRTP keys exported (RFC 5764 §4.2) and `.connected` emitted.
///
/// Not thread-safe: confine a connection to one task or event loop.
public final class DTLSConnection {
    public let role: DTLSRole
    public let configuration: DTLSConfiguration
    public internal(set) var state: DTLSState = .new
    /// The fingerprints from `a=fingerprint` of the remote description.
    public private(set) var remoteFingerprints: [DTLSFingerprint]
    /// SHA-256 fingerprint of the certificate the peer presented, once known.
    public internal(set) var peerFingerprint: DTLSFingerprint?
    /// The exported SRTP keys, once `connected`.
    public internal(set) var keyingMaterial: DTLSSRTPKeyingMaterial?
    /// When `handleTimeout(now:)` should next be called; nil when OpenSSL
    /// runs no retransmission timer.
    public internal(set) var nextTimeout: ContinuousClock.Instant?
    /// Our certificate's fingerprint, for the local description.
    public var localFingerprint: DTLSFingerprint { context.certificate.fingerprint }

    let context: DTLSContext
    /// `SSL *`, owning both BIOs.
    let ssl: OpaquePointer
    /// Memory BIO OpenSSL reads incoming datagrams from.
    let readBIO: OpaquePointer
    /// Memory BIO OpenSSL writes outgoing records to.
    let writeBIO: OpaquePointer
    var handshakeFinished = false
    /// What reaches OpenSSL after the handshake; made once the cipher is known.
    var recordFilter: DTLSRecordFilter?
    /// Timer-driven retransmissions since the peer last made us send.
    var retransmissions = 0
    /// Peer certificate digests under every algorithm we support, so a
    /// fingerprint learnt later can still be checked.
    var peerDigests: [DTLSFingerprint.Algorithm: DTLSFingerprint] = [:]
    var readBuffer = [UInt8](repeating: 0, count: 16_384 + 2_048)
    let allocator = ByteBufferAllocator()

    /// - Parameters:
    ///   - remoteFingerprints: from the remote SDP; may be empty and supplied
    ///     later with `setRemoteFingerprints(_:now:)`.
    public init(
        context: DTLSContext,
        role: DTLSRole,
        remoteFingerprints: [DTLSFingerprint] = [],
        configuration: DTLSConfiguration = DTLSConfiguration()
    ) throws(DTLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else {
            throw .setupFailed("SSL_new: \(drainOpenSSLErrors())")
        }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setupFailed("BIO_new")
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw .setupFailed("BIO_new")
        }
        meet_bio_set_mem_eof_return(readBIO, -1)
        meet_bio_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // the SSL owns them from here
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.context = context
        self.role = role
        self.configuration = configuration
        self.remoteFingerprints = remoteFingerprints

        guard meet_dtls_set_link_mtu(ssl, max(256, configuration.mtu)) == 1 else {
            throw .setupFailed("MTU \(configuration.mtu): \(drainOpenSSLErrors())")
        }
        meet_dtls_set_timer(
            ssl, max(1, configuration.initialRetransmitTimeout.clampedMicroseconds),
            max(16_000, configuration.maximumRetransmitTimeout.clampedMicroseconds))
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Begins the handshake: a client sends its ClientHello, a server waits
    /// for one (receiving a datagram starts a server implicitly).
    public func start(now: ContinuousClock.Instant) -> [DTLSAction] {
        guard state == .new else { return [] }
        state = .connecting
        var actions: [DTLSAction] = []
        if role == .client {
            driveHandshake(into: &actions)
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// Feeds one received datagram.
    ///
    /// - Throws: `DTLSError.notDTLS` when the first byte is not a DTLS
    ///   content type (RFC 7983 §7). After the handshake, records that do
    ///   not parse, are of another epoch, are too short for the cipher, or do
    ///   not authenticate are discarded, as RFC 6347 §4.1.2.7 asks, and the
    ///   datagram is reported as `.discarded` (see `DTLSRecordFilter`); only
    ///   an authenticated alert closes or fails the association. A datagram
    ///   after `closed`/`failed` (or to a client not yet started) is dropped.
    public func receive(_ datagram: ByteBuffer, now: ContinuousClock.Instant) throws(DTLSError) -> [DTLSAction] {
        guard let first = datagram.readableBytesView.first, (20...63).contains(first) else {
            throw .notDTLS
        }
        switch state {
        case .closed, .failed: return []
        case .new where role == .client: return []
        case .new: state = .connecting
        case .connecting, .connected: break
        }
        ERR_clear_error()
        var actions: [DTLSAction] = []
        if handshakeFinished {
            receiveRecords(datagram, into: &actions)
            finish(now: now, into: &actions)
            return actions
        }
        let written = datagram.withUnsafeReadableBytes { bytes in
            BIO_write(readBIO, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        if written > 0 {
            driveHandshake(into: &actions)
            // The peer answered with something that made us send: the
            // retransmission budget starts again.
            if actions.contains(where: { if case .sendDatagram = $0 { true } else { false } }) {
                retransmissions = 0
            }
            // The handshake may have finished with this datagram.
            if handshakeFinished, state == .connecting || state == .connected {
                readApplicationData(into: &actions)
            }
        }
        // A datagram is a unit: never let a rejected one prefix the next.
        _ = meet_bio_reset(readBIO)
        finish(now: now, into: &actions)
        return actions
    }

    /// Retransmits the last flight if the timer expired (RFC 6347 §4.2.4).
    /// A call before `nextTimeout`, or before OpenSSL's own wall-clock timer
    /// expired, only refreshes `nextTimeout`.
    public func handleTimeout(now: ContinuousClock.Instant) -> [DTLSAction] {
        guard let deadline = nextTimeout, now >= deadline,
              state == .connecting || state == .connected
        else { return [] }
        ERR_clear_error()
        var actions: [DTLSAction] = []
        switch meet_dtls_handle_timeout(ssl) {
        case ..<0:
            fail(.handshakeTimedOut, into: &actions)
        case 0:
            break
        default:
            retransmissions += 1
            if retransmissions > configuration.maximumRetransmissions, !handshakeFinished {
                actions.removeAll()
                _ = meet_bio_reset(writeBIO)
                fail(.handshakeTimedOut, into: &actions)
            }
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// Supplies (or replaces) the remote fingerprints; if the handshake
    /// already finished, checks the peer's certificate now.
    public func setRemoteFingerprints(_ fingerprints: [DTLSFingerprint], now: ContinuousClock.Instant) -> [DTLSAction] {
        remoteFingerprints = fingerprints
        var actions: [DTLSAction] = []
        if handshakeFinished, state == .connecting {
            verifyPeerAndExportKeys(into: &actions)
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// Encrypts application data (SCTP) into datagrams to send.
    public func send(applicationData: ByteBuffer, now: ContinuousClock.Instant) throws(DTLSError) -> [DTLSAction] {
        guard state == .connected else { throw .invalidState(state) }
        guard applicationData.readableBytes <= 16_384 else { throw .payloadTooLarge }
        guard applicationData.readableBytes > 0 else { return [] }
        ERR_clear_error()
        let result = applicationData.withUnsafeReadableBytes { bytes in
            SSL_write(ssl, bytes.baseAddress, Int32(bytes.count))
        }
        var actions: [DTLSAction] = []
        if result <= 0 {
            let error = DTLSError.protocolError("SSL_write: \(drainOpenSSLErrors())")
            fail(error, into: &actions)
            finish(now: now, into: &actions)
            throw error
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and stops.
    public func close(now: ContinuousClock.Instant) -> [DTLSAction] {
        guard state == .connecting || state == .connected else { return [] }
        ERR_clear_error()
        var actions: [DTLSAction] = []
        if handshakeFinished {
            _ = SSL_shutdown(ssl)
        }
        state = .closed
        finish(now: now, into: &actions)
        return actions
    }
}
