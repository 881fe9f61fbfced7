import MeetBytes

/// SRTP and SRTCP (RFC 3711, RFC 7714) in Swift over OpenSSL's EVP ciphers,
/// allocation-free per packet: the ciphers, HMAC states and scratch space are
/// made once per context, and per-SSRC state once per stream. The rules for
/// indices, replay and retransmission are libsrtp's, so `SRTPContext` can use
/// either engine and the tests can check one against the other.
///
/// Callers (`SRTPContext`) have already checked the direction, the buffer's
/// room and the packet's structure.
final class NativeSRTPContext {
    private enum Suite {
        case aesCM(SRTPTransformAESCM)
        case aesGCM(SRTPTransformAESGCM)
    }

    private let suite: Suite
    private var streams: SRTPStreamTable
    private let allowRetransmission: Bool

    init(
        profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8], encrypting: Bool,
        replayWindow: Int, allowRetransmission: Bool
    ) throws(SRTPError) {
        switch profile {
        case .aes128CMHMACSHA1_80:
            let keys = try SRTPSessionKeys(masterKey: masterKey, masterSalt: masterSalt, saltLength: 14, authKeyLength: 20)
            suite = .aesCM(try SRTPTransformAESCM(keys: keys, tagLength: profile.rtpOverhead))
        case .aeadAES128GCM:
            let keys = try SRTPSessionKeys(masterKey: masterKey, masterSalt: masterSalt, saltLength: 12, authKeyLength: 0)
            suite = .aesGCM(try SRTPTransformAESGCM(keys: keys, encrypting: encrypting))
        }
        streams = SRTPStreamTable(windowSize: min(max(replayWindow, 64), 0x7FFF))
        self.allowRetransmission = encrypting && allowRetransmission
    }

    /// SSRCs seen so far (tests).
    var streamCount: Int { streams.count }

    /// The state of `ssrc`'s stream, created on first use (a stream's first
    /// packet allocates it; every later one finds it).
    private func streamState(for ssrc: UInt32) -> SRTPStreamState {
        if let found = streams.find(ssrc) { return found }
        let stream = SRTPStreamState(windowSize: streams.windowSize)
        streams.insert(stream, for: ssrc)
        return stream
    }

    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int) throws(SRTPError) -> Int {
        let ssrc = packet.loadBigEndian(UInt32.self, at: 8)
        let sequence = UInt16(packet.load(fromByteOffset: 2, as: UInt8.self)) << 8
            | UInt16(packet.load(fromByteOffset: 3, as: UInt8.self))
        let stream = streamState(for: ssrc)
        let (index, delta) = stream.rtp.estimate(sequence)
        if let failure = stream.rtp.check(delta), !(failure == .replayed && allowRetransmission) {
            throw failure
        }
        stream.rtp.record(delta)
        let result: Int?
        switch suite {
        case .aesCM(let cm): result = cm.protectRTP(packet, length: length, headerLength: headerLength, ssrc: ssrc, index: index)
        case .aesGCM(let gcm): result = gcm.protectRTP(packet, length: length, headerLength: headerLength, ssrc: ssrc, index: index)
        }
        guard let result else { throw .cryptoFailed }
        return result
    }

    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int, headerLength: Int) throws(SRTPError) -> Int {
        let ssrc = packet.loadBigEndian(UInt32.self, at: 8)
        let sequence = UInt16(packet.load(fromByteOffset: 2, as: UInt8.self)) << 8
            | UInt16(packet.load(fromByteOffset: 3, as: UInt8.self))
        let known = streams.find(ssrc)
        let index: UInt64, delta: Int
        if let known {
            (index, delta) = known.rtp.estimate(sequence)
            if let failure = known.rtp.check(delta) { throw failure }
        } else {
            (index, delta) = (UInt64(sequence), Int(sequence))
        }
        let result: Int?
        switch suite {
        case .aesCM(let cm): result = cm.unprotectRTP(packet, length: length, headerLength: headerLength, ssrc: ssrc, index: index)
        case .aesGCM(let gcm): result = gcm.unprotectRTP(packet, length: length, headerLength: headerLength, ssrc: ssrc, index: index)
        }
        guard let result else { throw .authenticationFailed }
        (known ?? streamState(for: ssrc)).rtp.record(delta)
        return result
    }

    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        let ssrc = packet.loadBigEndian(UInt32.self, at: 4)
        let stream = streamState(for: ssrc)
        guard let index = stream.rtcp.next() else { throw .keyExhausted }
        let result: Int?
        switch suite {
        case .aesCM(let cm): result = cm.protectRTCP(packet, length: length, ssrc: ssrc, index: index)
        case .aesGCM(let gcm): result = gcm.protectRTCP(packet, length: length, ssrc: ssrc, index: index)
        }
        guard let result else { throw .cryptoFailed }
        return result
    }

    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        let ssrc = packet.loadBigEndian(UInt32.self, at: 4)
        let word: UInt32
        switch suite {
        case .aesCM(let cm):
            word = packet.loadBigEndian(UInt32.self, at: cm.rtcpIndexOffset(length: length))
            // We always encrypt SRTCP, so a clear E flag is not ours; libsrtp
            // refuses it too ("cannot check"). AEAD authenticates the flag
            // with the rest, so there a clear one is allowed (RFC 7714 §9.3).
            guard word & 0x8000_0000 != 0 else { throw .authenticationFailed }
        case .aesGCM(let gcm):
            word = packet.loadBigEndian(UInt32.self, at: gcm.rtcpIndexOffset(length: length))
        }
        let index = word & 0x7FFF_FFFF
        let known = streams.find(ssrc)
        if let failure = (known?.rtcp ?? SRTCPReplayWindow()).check(index) { throw failure }
        let result: Int?
        switch suite {
        case .aesCM(let cm): result = cm.unprotectRTCP(packet, length: length, ssrc: ssrc, word: word)
        case .aesGCM(let gcm): result = gcm.unprotectRTCP(packet, length: length, ssrc: ssrc, word: word)
        }
        guard let result else { throw .authenticationFailed }
        (known ?? streamState(for: ssrc)).rtcp.record(index)
        return result
    }
}
