import MeetSRTP
import NIOCore

/// The per-peer half of ``PeerEgress``: protect a forwarder's plaintext RTP
/// in the forwarder's own memory with this connection's outbound SRTP
/// context, then queue the protected bytes on the socket. The same as
/// ``sendRTP(_:)`` minus the `ByteBuffer` (no allocation, no copy-on-write).
extension PeerConnection {
    /// Event loop only. Returns the protected length, or nil when dropped:
    /// before the connection is up or after it ended (no keys or no
    /// selected address), or when the packet cannot be protected (malformed,
    /// or the slot lacks ``PeerEgress/trailerRoom``). Such drops are the
    /// forwarder's race with a connection's end, not the peer's fault, so
    /// they are not counted as the peer's drops.
    func sendEgressRTP(_ slot: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        assertOnOwningLoop()
        guard case let (srtp, address)? = mediaPath, let protected = try? srtp.outbound.protectRTP(slot, length: length)
        else { return nil }
        statsStorage.counters.rtpOut += 1
        socket.send(bytes: UnsafeRawBufferPointer(rebasing: slot[0..<protected]), to: address)
        return protected
    }
}
