public import NIOCore

/// What a forwarder (the SFU node) reads beyond `sendRTP(_:)`: whether media
/// can go out and what was negotiated for a section. Sending a forwarder's
/// plaintext packets goes through ``PeerEgress``, which protects them with
/// this connection's own SRTP context (the keys never leave MeetRTC).
///
/// Everything here is event loop only, like the rest of the connection.
extension PeerConnection {
    /// The address ICE selected (media goes there), once connected.
    public var mediaAddress: SocketAddress? {
        assertOnOwningLoop()
        return state == .connected ? selectedAddress : nil
    }

    /// True when media can be sent now (connected, keys and address known).
    public var canSendMedia: Bool {
        assertOnOwningLoop()
        return mediaPath != nil
    }

    /// The codecs both sides agreed on for section `mid` (payload types in
    /// both descriptions), in the remote description's order: for a
    /// connection that offered, the answer's preference. A forwarder maps a
    /// publisher's codec to the payload type the receiver accepted with it.
    public func negotiatedSendCodecs(mid: String) -> [CodecModel] {
        assertOnOwningLoop()
        return negotiator.sendCodecs(mid: mid)
    }
}
