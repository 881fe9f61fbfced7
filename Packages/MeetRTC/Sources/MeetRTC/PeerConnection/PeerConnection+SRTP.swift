import MeetDTLS
import MeetSRTP
import NIOCore

/// SRTP/SRTCP with the keys DTLS exported (RFC 5764 §4.2), over H3's
/// libsrtp façade: unprotect on receive, protect on send, both in place.
extension PeerConnection {
    func installSRTP(_ keys: DTLSSRTPKeyingMaterial) throws {
        guard let profile = SRTPProfile(rawValue: keys.profile.rawValue) else {
            throw NegotiationError.unsupported("SRTP profile \(keys.profile)")
        }
        srtp = try SRTPSession(
            profile: profile,
            localMasterKey: keys.localMasterKey, localMasterSalt: keys.localMasterSalt,
            remoteMasterKey: keys.remoteMasterKey, remoteMasterSalt: keys.remoteMasterSalt)
    }

    /// The plaintext RTP packet, or nil when authentication or the replay check failed.
    ///
    /// Unprotected in the socket's reusable scratch buffer: NIO's read
    /// buffer is shared by every datagram of a batch, so unprotecting a
    /// slice of it in place would copy it (an allocation per packet). The
    /// result is valid until the socket's next packet; a delegate that keeps
    /// it merely makes the next packet copy-on-write into fresh storage.
    func unprotectRTP(_ buffer: ByteBuffer) -> ByteBuffer? {
        guard let srtp else { return nil }
        socket.receiveScratch.clear()
        socket.receiveScratch.writeImmutableBuffer(buffer)
        do {
            try srtp.inbound.unprotectRTP(&socket.receiveScratch)
            return socket.receiveScratch
        } catch {
            logger.trace("SRTP unprotect failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The plaintext RTCP compound packet, or nil; in the scratch buffer like ``unprotectRTP(_:)``.
    func unprotectRTCP(_ buffer: ByteBuffer) -> ByteBuffer? {
        guard let srtp else { return nil }
        socket.receiveScratch.clear()
        socket.receiveScratch.writeImmutableBuffer(buffer)
        do {
            try srtp.inbound.unprotectRTCP(&socket.receiveScratch)
            return socket.receiveScratch
        } catch {
            logger.trace("SRTCP unprotect failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Protects one plaintext RTP packet and sends it to the selected address.
    /// Event loop only; dropped (and counted) before DTLS is connected.
    public func sendRTP(_ packet: ByteBuffer) {
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
