import MeetSRTP
import NIOCore

/// What a forwarder (the SFU node) needs beyond `sendRTP(_:)`: protect many
/// packets itself, in its own preallocated batch memory, with this
/// connection's outbound SRTP context, then hand the protected bytes to the
/// socket. The socket copies them into its batched writer and sends once at
/// the end of the read batch, so a fan-out leaves in one `sendmmsg`.
///
/// Everything here is event loop only, like the rest of the connection.
extension PeerConnection {
    /// The outbound SRTP context (RFC 3711 §3.3), once DTLS installed keys and
    /// the connection is `.connected`; nil before and after. Protecting with
    /// it and sending through ``sendProtectedRTP(_:)`` is the same as
    /// ``sendRTP(_:)``, minus the per-packet buffer the caller now owns.
    public var outboundSRTPContext: SRTPContext? {
        guard state == .connected, selectedAddress != nil else { return nil }
        return srtp?.outbound
    }

    /// The address ICE selected (media goes there), once connected.
    public var mediaAddress: SocketAddress? {
        state == .connected ? selectedAddress : nil
    }

    /// True when media can be sent now (connected, keys and address known).
    public var canSendMedia: Bool {
        state == .connected && srtp != nil && selectedAddress != nil
    }

    /// Sends an SRTP packet already protected with ``outboundSRTPContext``
    /// to the selected address. Dropped (and counted) when not connected.
    public func sendProtectedRTP(_ packet: ByteBuffer) {
        guard let address = selectedAddress, srtp != nil, state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        statsStorage.counters.rtpOut += 1
        socket.send(packet, to: address)
    }

    /// Sends a copy of an SRTP packet already protected with
    /// ``outboundSRTPContext`` (the caller keeps `packet`'s memory, e.g. a
    /// batch slot) to the selected address: no buffer, no allocation.
    /// Dropped (and counted) when not connected.
    public func sendProtectedRTP(bytes packet: UnsafeRawBufferPointer) {
        guard let address = selectedAddress, srtp != nil, state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        statsStorage.counters.rtpOut += 1
        socket.send(bytes: packet, to: address)
    }

    /// The codecs both sides agreed on for section `mid` (payload types in
    /// both descriptions), in the remote description's order: for a
    /// connection that offered, the answer's preference. A forwarder maps a
    /// publisher's codec to the payload type the receiver accepted with it.
    public func negotiatedSendCodecs(mid: String) -> [CodecModel] {
        negotiator.sendCodecs(mid: mid)
    }
}
