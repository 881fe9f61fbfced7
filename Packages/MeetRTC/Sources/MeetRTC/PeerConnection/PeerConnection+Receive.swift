import MeetSTUN
import NIOCore

/// The receive path: the socket has classified the datagram (RFC 7983) and
/// routed it here by its validated source address; each class goes to the
/// piece that owns it.
extension PeerConnection {
    func receive(_ buffer: ByteBuffer, kind: PacketClass, from address: SocketAddress) {
        assertOnOwningLoop()
        guard !state.isTerminal else {
            countDrop(.closed)
            return
        }
        switch kind {
        case .stun:
            guard let message = try? STUNMessage(parsing: buffer) else {
                countDrop(.malformedSTUN)
                return
            }
            ice.receive(message, from: address)
        case .dtls:
            ice.selectIfNone(address)
            if dtls.connection == nil, awaitsAnswerWithEarlyICE {
                dtls.keepEarly(buffer)
            } else {
                dtls.receive(buffer)
            }
        case .rtp:
            receiveSRTP(buffer)
        case .rtcp:
            receiveSRTCP(buffer)
        case .unknown:
            countDrop(.unclassified)
        }
    }

    /// SRTP or SRTCP the socket read itself and routed by its (already
    /// validated) source key: the source address plays no part in media.
    func receiveMedia(_ buffer: ByteBuffer, kind: PacketClass) {
        assertOnOwningLoop()
        guard !state.isTerminal else {
            countDrop(.closed)
            return
        }
        if kind == .rtp {
            receiveSRTP(buffer)
        } else {
            receiveSRTCP(buffer)
        }
    }

    /// True while our first offer awaits its answer and early checks are answered.
    var awaitsAnswerWithEarlyICE: Bool { negotiator.negotiation == nil && ice.isStarted }

    /// SRTP from a validated address: unprotected only once DTLS installed keys.
    private func receiveSRTP(_ buffer: ByteBuffer) {
        guard let packet = unprotect(buffer, rtcp: false) else { return }
        guard let track = receiver.track(for: packet, logger: logger) else {
            countDrop(.malformedRTP)
            return
        }
        statsStorage.counters.rtpIn += 1
        delegate?.peerConnection(self, didReceiveRTP: packet, track: track)
    }

    private func receiveSRTCP(_ buffer: ByteBuffer) {
        guard let packet = unprotect(buffer, rtcp: true) else { return }
        statsStorage.counters.rtcpIn += 1
        delegate?.peerConnection(self, didReceiveRTCP: packet)
    }

    /// The plaintext of SRTP or SRTCP, or nil (dropped and counted) before
    /// DTLS is connected or when authentication or the replay check failed.
    private func unprotect(_ buffer: ByteBuffer, rtcp: Bool) -> ByteBuffer? {
        guard state == .connected else {
            countDrop(.beforeDTLS)
            return nil
        }
        guard let packet = rtcp ? dtls.unprotectRTCP(buffer) : dtls.unprotectRTP(buffer) else {
            statsStorage.counters.srtpErrors += 1
            countDrop(.srtpUnprotect)
            return nil
        }
        return packet
    }
}
