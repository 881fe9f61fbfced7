import Logging
import MeetSRTP
import NIOCore

/// The receive half of SRTP (RFC 3711 §3.3): unprotecting with the keys the
/// handshake installed.
extension DTLSTransport {
    /// The plaintext RTP packet, or nil when authentication or the replay check failed.
    ///
    /// Unprotected in the socket's reusable scratch buffer: NIO's read
    /// buffer is shared by every datagram of a batch, so unprotecting a
    /// slice of it in place would copy it (an allocation per packet). The
    /// result is valid until the socket's next packet; a delegate that keeps
    /// it merely makes the next packet copy-on-write into fresh storage.
    func unprotectRTP(_ buffer: ByteBuffer) -> ByteBuffer? {
        unprotect(buffer, what: "SRTP") { try $0.unprotectRTP(&$1) }
    }

    /// The plaintext RTCP compound packet, or nil; in the scratch buffer like ``unprotectRTP(_:)``.
    func unprotectRTCP(_ buffer: ByteBuffer) -> ByteBuffer? {
        unprotect(buffer, what: "SRTCP") { try $0.unprotectRTCP(&$1) }
    }

    private func unprotect(
        _ buffer: ByteBuffer, what: String, _ transform: (SRTPContext, inout ByteBuffer) throws -> Void
    ) -> ByteBuffer? {
        assertOnOwningLoop()
        guard let srtp else { return nil }
        socket.receiveScratch.clear()
        socket.receiveScratch.writeImmutableBuffer(buffer)
        do {
            try transform(srtp.inbound, &socket.receiveScratch)
            return socket.receiveScratch
        } catch {
            logger.trace("\(what) unprotect failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
