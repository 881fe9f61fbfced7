import COpenSSL
import NIOCore

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
    public private(set) var state: DTLSState = .new
    /// The fingerprints from `a=fingerprint` of the remote description.
    public private(set) var remoteFingerprints: [DTLSFingerprint]
    /// SHA-256 fingerprint of the certificate the peer presented, once known.
    public private(set) var peerFingerprint: DTLSFingerprint?
    /// The exported SRTP keys, once `connected`.
    public private(set) var keyingMaterial: DTLSSRTPKeyingMaterial?
    /// When `handleTimeout(now:)` should next be called; nil when OpenSSL
    /// runs no retransmission timer.
    public private(set) var nextTimeout: ContinuousClock.Instant?
    /// Our certificate's fingerprint, for the local description.
    public var localFingerprint: DTLSFingerprint { context.certificate.fingerprint }

    private let context: DTLSContext
    /// `SSL *`, owning both BIOs.
    private let ssl: OpaquePointer
    /// Memory BIO OpenSSL reads incoming datagrams from.
    private let readBIO: OpaquePointer
    /// Memory BIO OpenSSL writes outgoing records to.
    private let writeBIO: OpaquePointer
    private var handshakeFinished = false
    /// Timer-driven retransmissions since the peer last made us send.
    private var retransmissions = 0
    /// Peer certificate digests under every algorithm we support, so a
    /// fingerprint learnt later can still be checked.
    private var peerDigests: [DTLSFingerprint.Algorithm: DTLSFingerprint] = [:]
    private var readBuffer = [UInt8](repeating: 0, count: 16_384 + 2_048)
    private let allocator = ByteBufferAllocator()

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
    ///   content type (RFC 7983 §7). Records OpenSSL cannot authenticate are
    ///   silently discarded, as RFC 6347 §4.1.2.7 asks; a datagram after
    ///   `closed`/`failed` (or to a client not yet started) is dropped.
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
        let written = datagram.withUnsafeReadableBytes { bytes in
            BIO_write(readBIO, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        var actions: [DTLSAction] = []
        if written > 0 {
            if !handshakeFinished {
                driveHandshake(into: &actions)
                // The peer answered with something that made us send: the
                // retransmission budget starts again.
                if actions.contains(where: { if case .sendDatagram = $0 { true } else { false } }) {
                    retransmissions = 0
                }
            }
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

    // MARK: - Internals

    private func driveHandshake(into actions: inout [DTLSAction]) {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeFinished = true
            flushOutput(into: &actions)
            recordPeerCertificate(into: &actions)
            if state == .connecting {
                verifyPeerAndExportKeys(into: &actions)
            }
            return
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return
        default:
            fail(.handshakeFailed(drainOpenSSLErrors()), into: &actions)
        }
    }

    private func recordPeerCertificate(into actions: inout [DTLSAction]) {
        guard let x509 = SSL_get1_peer_certificate(ssl) else {
            fail(.noPeerCertificate, into: &actions)
            return
        }
        defer { X509_free(x509) }
        for algorithm in DTLSFingerprint.Algorithm.allCases {
            peerDigests[algorithm] = DTLSFingerprint.of(x509, algorithm: algorithm)
        }
        peerFingerprint = peerDigests[.sha256]
    }

    private func verifyPeerAndExportKeys(into actions: inout [DTLSAction]) {
        // Without a remote fingerprint yet, wait (stay `connecting`).
        guard !remoteFingerprints.isEmpty, let actual = peerFingerprint else { return }
        let matched = remoteFingerprints.contains { expected in
            peerDigests[expected.algorithm] == expected
        }
        guard matched else {
            fail(.fingerprintMismatch(actual: actual), into: &actions)
            return
        }
        guard let profile = DTLSSRTPProfile(rawValue: UInt16(truncatingIfNeeded: meet_srtp_profile_id(ssl))) else {
            fail(.noSRTPProfile, into: &actions)
            return
        }
        let length = 2 * (profile.masterKeyLength + profile.masterSaltLength)
        var exported = [UInt8](repeating: 0, count: length)
        let label = "EXTRACTOR-dtls_srtp"
        let ok = SSL_export_keying_material(ssl, &exported, length, label, label.utf8.count, nil, 0, 0)
        guard ok == 1,
              let keys = DTLSSRTPKeyingMaterial(exported: exported, profile: profile, isClient: role == .client)
        else {
            fail(.keyExportFailed, into: &actions)
            return
        }
        keyingMaterial = keys
        state = .connected
        actions.append(.connected(keys))
    }

    private func readApplicationData(into actions: inout [DTLSAction]) {
        while true {
            let count = readBuffer.withUnsafeMutableBytes { buffer in
                SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
            }
            if count > 0 {
                // Data from a peer whose fingerprint is not yet checked is dropped.
                if state == .connected {
                    actions.append(.applicationData(allocator.buffer(bytes: readBuffer[0..<Int(count)])))
                }
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                _ = SSL_shutdown(ssl)  // answer close_notify with ours
                state = .closed
                actions.append(.closed)
                return
            default:
                fail(.protocolError(drainOpenSSLErrors()), into: &actions)
                return
            }
        }
    }

    private func fail(_ error: DTLSError, into actions: inout [DTLSAction]) {
        guard state != .failed, state != .closed else { return }
        if handshakeFinished {
            _ = SSL_shutdown(ssl)  // tell the peer (close_notify)
        }
        state = .failed
        actions.append(.failed(error))
    }

    /// Sends what OpenSSL wrote, refreshes the timer, empties the error queue.
    private func finish(now: ContinuousClock.Instant, into actions: inout [DTLSAction]) {
        flushOutput(into: &actions)
        if state == .connecting || state == .connected {
            let microseconds = meet_dtls_timeout_us(ssl)
            nextTimeout = microseconds < 0 ? nil : now.advanced(by: .microseconds(microseconds))
        } else {
            nextTimeout = nil
        }
        ERR_clear_error()
    }

    private func flushOutput(into actions: inout [DTLSAction]) {
        let pending = Int(meet_bio_pending(writeBIO))
        guard pending > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = bytes.withUnsafeMutableBytes { buffer in
            BIO_read(writeBIO, buffer.baseAddress, Int32(buffer.count))
        }
        guard read > 0 else { return }
        if Int(read) < pending { bytes.removeLast(pending - Int(read)) }
        for datagram in DTLSRecordPacker.pack(bytes, mtu: configuration.mtu) {
            actions.append(.sendDatagram(allocator.buffer(bytes: datagram)))
        }
    }
}
