import MeetDTLS
import NIOCore

/// Driving the sans-I/O `DTLSConnection` (H3's façade over OpenSSL): feed it
/// datagrams and timer expiries, execute the actions it returns.
extension PeerConnection {
    /// Creates the DTLS association for the negotiated role. A server waits for
    /// the ClientHello; a client sends it once ICE has a working pair.
    func makeDTLS(role: DTLSRole, remoteFingerprints: [DTLSFingerprint]) throws {
        dtls = try DTLSConnection(context: configuration.dtls, role: role, remoteFingerprints: remoteFingerprints)
    }

    /// Starts the handshake (client role) once ICE connected.
    func startDTLS() {
        guard let dtls, dtls.state == .new else { return }
        if dtls.role == .client {
            execute(dtls.start(now: .now))
        }
        schedule(.dtls, in: configuration.dtlsTimeout)
    }

    /// One DTLS record from the validated address.
    func receiveDTLS(_ datagram: ByteBuffer) {
        guard let dtls else {
            countDrop(.beforeDTLS)
            return
        }
        statsStorage.counters.dtlsIn += 1
        do {
            execute(try dtls.receive(datagram, now: .now))
        } catch {
            countDrop(.dtlsError)
            logger.debug("DTLS record rejected", metadata: ["error": "\(error)"])
        }
    }

    /// Executes the actions of the DTLS state machine.
    func execute(_ actions: [DTLSAction]) {
        for action in actions {
            switch action {
            case .sendDatagram(let datagram):
                guard let address = selectedAddress else { continue }
                statsStorage.counters.dtlsOut += 1
                socket.send(datagram, to: address)
            case .connected(let keys):
                dtlsConnected(keys)
            case .applicationData:
                // Data channels (SCTP over DTLS) are not implemented; ignore.
                break
            case .discarded(let reason):
                // RFC 6347 §4.1.2.7: a record that does not parse or
                // authenticate is anyone's to send; drop it, keep the session.
                countDrop(.dtlsDiscarded)
                logger.debug("DTLS datagram discarded", metadata: ["reason": "\(reason.rawValue)"])
            case .closed:
                finish(.closed(reason: "DTLS close_notify from peer"))
            case .failed(let error):
                fail(.dtls, "\(error)")
            }
        }
        armDTLSRetransmitTimer()
    }

    func armDTLSRetransmitTimer() {
        guard let deadline = dtls?.nextTimeout, !state.isTerminal else {
            cancel(.dtlsRetransmit)
            return
        }
        schedule(.dtlsRetransmit, in: TimeAmount(ContinuousClock.now.duration(to: deadline)))
    }

    func dtlsRetransmitTimerFired() {
        guard let dtls else { return }
        execute(dtls.handleTimeout(now: .now))
    }

    /// The handshake finished and the fingerprint matched: install SRTP keys.
    private func dtlsConnected(_ keys: DTLSSRTPKeyingMaterial) {
        cancel(.dtls)
        statsStorage.stages.dtlsConnected = true
        logger.debug("DTLS connected", metadata: ["profile": "\(keys.profile)"])
        do {
            try installSRTP(keys)
        } catch {
            fail(.srtp, "\(error)")
            return
        }
        statsStorage.stages.srtpReady = true
        transition(to: .connected)
    }

    func closeDTLS() {
        guard let dtls, dtls.state == .connected || dtls.state == .connecting else { return }
        let actions = dtls.close(now: .now)
        for case .sendDatagram(let datagram) in actions {
            if let address = selectedAddress { socket.send(datagram, to: address) }
        }
    }
}
