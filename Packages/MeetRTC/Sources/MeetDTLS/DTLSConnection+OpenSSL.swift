import COpenSSL
#if canImport(NIOCore)
import NIOCore
#endif

/// The OpenSSL side of `DTLSConnection`: driving the handshake, checking the
/// peer's certificate, exporting keys (RFC 5764 §4.2), reading records, and
/// turning what OpenSSL wrote into datagrams.
extension DTLSConnection {
    func driveHandshake(into actions: inout [DTLSAction]) {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeFinished = true
            recordFilter = DTLSRecordFilter(minimumFragmentLength: Int(meet_dtls_min_fragment_length(ssl)))
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

    func recordPeerCertificate(into actions: inout [DTLSAction]) {
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

    func verifyPeerAndExportKeys(into actions: inout [DTLSAction]) {
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

    /// After the handshake: hands OpenSSL only the records `DTLSRecordFilter`
    /// lets through, and reports a datagram nothing came of as discarded.
    func receiveRecords(_ datagram: ByteBuffer, into actions: inout [DTLSAction]) {
        // `receive` only gets here while connecting or connected.
        guard let filter = recordFilter else { return }
        let discarded: DTLSDiscardReason? = datagram.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return .malformed }
            var keptAny = false
            let reason = filter.forEachKeptRecord(in: bytes) { record in
                keptAny = true
                _ = BIO_write(readBIO, base + record.lowerBound, Int32(record.count))
            }
            guard keptAny else { return reason ?? .malformed }
            let before = actions.count
            readApplicationData(into: &actions)
            // A datagram is a unit: never let a rejected one prefix the next.
            _ = meet_bio_reset(readBIO)
            flushOutput(into: &actions)
            // Nothing delivered, answered or closed: OpenSSL dropped it all.
            return actions.count == before ? (reason ?? .rejected) : nil
        }
        if let discarded { actions.append(.discarded(discarded)) }
    }

    func readApplicationData(into actions: inout [DTLSAction]) {
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
            case let code:
                // An authenticated fatal alert, or OpenSSL's own fatal error.
                fail(.protocolError("SSL_read error \(code): \(drainOpenSSLErrors())"), into: &actions)
                return
            }
        }
    }

    func fail(_ error: DTLSError, into actions: inout [DTLSAction]) {
        guard state != .failed, state != .closed else { return }
        if handshakeFinished {
            _ = SSL_shutdown(ssl)  // tell the peer (close_notify)
        }
        state = .failed
        actions.append(.failed(error))
    }

    /// Sends what OpenSSL wrote, refreshes the timer, empties the error queue.
    func finish(now: ContinuousClock.Instant, into actions: inout [DTLSAction]) {
        flushOutput(into: &actions)
        if state == .connecting || state == .connected {
            let microseconds = meet_dtls_timeout_us(ssl)
            nextTimeout = microseconds < 0 ? nil : now.advanced(by: .microseconds(microseconds))
        } else {
            nextTimeout = nil
        }
        ERR_clear_error()
    }

    func flushOutput(into actions: inout [DTLSAction]) {
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
