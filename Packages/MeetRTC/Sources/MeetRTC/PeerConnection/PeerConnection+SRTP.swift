import MeetSRTP
public import NIOCore

/// Sending SRTP/SRTCP with the keys DTLS exported (RFC 5764 §4.2): protect
/// in place, then to the selected address. (Receiving unprotects in
/// `DTLSTransport+SRTP.swift`.)
extension PeerConnection {
    /// Protects one plaintext RTP packet and sends it to the selected address.
    /// Event loop only; dropped (and counted) before DTLS is connected.
    public func sendRTP(_ packet: ByteBuffer) {
        assertOnOwningLoop()
        guard let srtp, let address = selectedAddress, state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        var packet = packet
        do {
            try srtp.outbound.protectRTP(&packet)
        } catch {
            countDrop(.malformedRTP)
            return
        }
        statsStorage.counters.rtpOut += 1
        socket.send(packet, to: address)
    }

    /// Protects one plaintext (compound) RTCP packet and sends it.
    public func sendRTCP(_ packet: ByteBuffer) {
        assertOnOwningLoop()
        guard let srtp, let address = selectedAddress, state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        var packet = packet
        do {
            try srtp.outbound.protectRTCP(&packet)
        } catch {
            countDrop(.malformedRTP)
            return
        }
        statsStorage.counters.rtcpOut += 1
        socket.send(packet, to: address)
    }
}
