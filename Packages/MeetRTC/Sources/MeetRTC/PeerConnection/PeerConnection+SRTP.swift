import MeetSRTP
public import NIOCore

/// Sending SRTP/SRTCP with the keys DTLS exported (RFC 5764 §4.2): protect
/// in place, then to the selected address. (Receiving unprotects in
/// `DTLSTransport+SRTP.swift`.)
extension PeerConnection {
    /// Protects one plaintext RTP packet and sends it to the selected address.
    /// Event loop only; dropped (and counted) before DTLS is connected.
    public func sendRTP(_ packet: ByteBuffer) {
        protectAndSend(packet, rtcp: false)
    }

    /// Protects one plaintext (compound) RTCP packet and sends it.
    public func sendRTCP(_ packet: ByteBuffer) {
        protectAndSend(packet, rtcp: true)
    }

    /// The outbound keys and the address media goes to, once connected.
    var mediaPath: (srtp: SRTPSession, address: SocketAddress)? {
        guard let srtp, let address = selectedAddress, state == .connected else { return nil }
        return (srtp, address)
    }

    private func protectAndSend(_ packet: ByteBuffer, rtcp: Bool) {
        assertOnOwningLoop()
        guard case let (srtp, address)? = mediaPath else {
            countDrop(.beforeDTLS)
            return
        }
        var packet = packet
        do {
            if rtcp { try srtp.outbound.protectRTCP(&packet) } else { try srtp.outbound.protectRTP(&packet) }
        } catch {
            countDrop(.malformedRTP)
            return
        }
        if rtcp { statsStorage.counters.rtcpOut += 1 } else { statsStorage.counters.rtpOut += 1 }
        socket.send(packet, to: address)
    }
}
