import MeetRTP
import MeetSTUN
import NIOCore

/// The receive path: the socket has classified the datagram (RFC 7983) and
/// routed it here by its validated source address.
extension PeerConnection {
    func receive(_ buffer: ByteBuffer, kind: PacketClass, from address: SocketAddress) {
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
            receiveSTUN(message, from: address)
        case .dtls:
            if selectedAddress == nil { selectedAddress = address }
            if dtls == nil, awaitsAnswerWithEarlyICE {
                keepEarlyDTLS(buffer)
            } else {
                receiveDTLS(buffer)
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

    /// SRTP from a validated address: unprotected only once DTLS installed keys.
    private func receiveSRTP(_ buffer: ByteBuffer) {
        guard state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        guard let packet = unprotectRTP(buffer) else {
            statsStorage.counters.srtpErrors += 1
            countDrop(.srtpUnprotect)
            return
        }
        guard let track = remoteTrack(for: packet) else {
            countDrop(.malformedRTP)
            return
        }
        statsStorage.counters.rtpIn += 1
        delegate?.peerConnection(self, didReceiveRTP: packet, track: track)
    }

    private func receiveSRTCP(_ buffer: ByteBuffer) {
        guard state == .connected else {
            countDrop(.beforeDTLS)
            return
        }
        guard let packet = unprotectRTCP(buffer) else {
            statsStorage.counters.srtpErrors += 1
            countDrop(.srtpUnprotect)
            return
        }
        statsStorage.counters.rtcpIn += 1
        delegate?.peerConnection(self, didReceiveRTCP: packet)
    }

    /// The negotiated track an RTP packet belongs to: by announced (or
    /// already learnt) SSRC; else by the mid header extension (RFC 8843 §15);
    /// else by a payload type only one media section uses. A match by mid or
    /// payload type teaches the SSRC, so later packets take the first path.
    /// SSRCs of sections a renegotiation removed are never matched again.
    func remoteTrack(for packet: ByteBuffer) -> RemoteTrack? {
        guard packet.readableBytes >= 12,
              let first = packet.getInteger(at: packet.readerIndex, as: UInt8.self),
              first >> 6 == 2,
              let marker = packet.getInteger(at: packet.readerIndex + 1, as: UInt8.self),
              let ssrc = packet.getInteger(at: packet.readerIndex + 8, as: UInt32.self)
        else { return nil }
        if let index = remoteTrackBySSRC[ssrc] { return remoteTracks[index] }
        guard remoteTrackBySSRC.count < Self.maxLearntSSRCs, !retiredSSRCs.contains(ssrc) else { return nil }
        var found: Int?
        if let id = midExtensionID, let mid = Self.readMid(packet, extensionID: id) {
            found = remoteTracks.firstIndex { $0.mid == mid }
        } else {
            let payloadType = marker & 0x7F
            let candidates = remoteTracks.indices.filter { index in
                remoteTracks[index].codecs.contains { $0.payloadType == payloadType }
            }
            if candidates.count == 1 { found = candidates[0] }
        }
        guard let index = found else { return nil }
        remoteTrackBySSRC[ssrc] = index
        logger.debug("learnt SSRC", metadata: ["ssrc": "\(ssrc)", "mid": "\(remoteTracks[index].mid)"])
        return remoteTracks[index]
    }

    /// Unsignalled SSRCs a connection may learn (bounds the table against a
    /// peer that sprays SSRCs).
    static let maxLearntSSRCs = 64

    /// The value of the mid header extension, if the packet carries one.
    static func readMid(_ packet: ByteBuffer, extensionID: UInt8) -> String? {
        packet.withUnsafeReadableBytes { bytes in
            guard let header = try? RTPHeader(parsing: bytes),
                  let range = try? header.extensionRange(id: extensionID, in: bytes),
                  !range.isEmpty
            else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    func countDrop(_ reason: DropReason) {
        statsStorage.counters.dropped += 1
        socket.countDrop(reason)
    }
}
