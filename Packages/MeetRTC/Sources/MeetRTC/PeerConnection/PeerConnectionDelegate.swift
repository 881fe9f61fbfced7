public import NIOCore

/// Receives what a `PeerConnection` produces. Every method is called on the
/// connection's event loop, synchronously from the receive path: keep it
/// short and non-blocking (forward, count, or hop elsewhere yourself).
public protocol PeerConnectionDelegate: AnyObject {
    /// The state changed (ICE connected, DTLS connected, closed, failed).
    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState)

    /// One decrypted RTP packet (header and payload, reader index at the
    /// header) of the negotiated `track`.
    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack)

    /// One decrypted RTCP compound packet.
    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer)

    /// A renegotiation (`acceptReoffer`, or `acceptAnswer` to a re-offer)
    /// added or removed remote tracks; `tracks` is the new `remoteTracks`.
    /// Packets of removed tracks are no longer delivered.
    func peerConnection(_ connection: PeerConnection, didChangeRemoteTracks tracks: [RemoteTrack])
}

extension PeerConnectionDelegate {
    public func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {}
    public func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {}
    public func peerConnection(_ connection: PeerConnection, didChangeRemoteTracks tracks: [RemoteTrack]) {}
}
