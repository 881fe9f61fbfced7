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
            // Our first offer awaits its answer, early checks are answered: keep it for then.
            if dtls.connection == nil, negotiator.negotiation == nil, ice.isStarted {
                dtls.keepEarly(buffer)
            } else {
                dtls.receive(buffer)
            }
        case .rtp, .rtcp:
            deliver(buffer, rtcp: kind == .rtcp)
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
        deliver(buffer, rtcp: kind != .rtp)
    }

    /// SRTP or SRTCP from a validated address, unprotected only once DTLS
    /// installed keys; dropped (and counted) before that, when
    /// authentication or the replay check failed, or (RTP) with no track.
    private func deliver(_ buffer: ByteBuffer, rtcp: Bool) {
        guard state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        guard let packet = rtcp ? dtls.unprotectRTCP(buffer) : dtls.unprotectRTP(buffer) else {
            statsStorage.counters.srtpErrors += 1
            countDrop(.srtpUnprotect)
            return
        }
        if rtcp {
            statsStorage.counters.rtcpIn += 1
            delegate?.peerConnection(self, didReceiveRTCP: packet)
        } else if let track = receiver.track(for: packet, logger: logger) {
            statsStorage.counters.rtpIn += 1
            delegate?.peerConnection(self, didReceiveRTP: packet, track: track)
        } else {
            countDrop(.malformedRTP)
        }
    }
}
