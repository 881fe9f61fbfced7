@_spi(Testing) import MeetSRTP
import Testing

/// The native engine against libsrtp, packet by packet: both protect to the
/// same bytes, each unprotects the other's output, and both receivers give
/// the same answer (plaintext or the same error) to reordered, replayed,
/// stale, tampered and foreign packets.
@Suite("SRTP engines: native agrees with libsrtp")
struct SRTPEngineDifferentialTests {
    @Test("RTP: identical protect output and cross unprotect, across a ROC wrap", arguments: SRTPProfile.allCases)
    func rtpProtectMatches(profile: SRTPProfile) throws {
        var random = SeededRandom(seed: 0x5250 &+ UInt64(profile.rawValue))
        let nativeOut = try SRTPContext.make(profile, .outbound, engine: .native)
        let libsrtpOut = try SRTPContext.make(profile, .outbound, engine: .libsrtp)
        let nativeIn = try SRTPContext.make(profile, .inbound, engine: .native)
        let libsrtpIn = try SRTPContext.make(profile, .inbound, engine: .libsrtp)
        let ssrcs: [UInt32] = [0x1111_1111, 0xCAFE_BABE, 7]
        var next: [UInt16] = [65_400, UInt16.random(in: 0...65_535, using: &random), 100]
        var sent: [[UInt8]] = []
        var tally = OutcomeTally()
        for round in 0..<1500 {
            let stream = Int.random(in: 0..<ssrcs.count, using: &random)
            let plain: [UInt8]
            if round > 10, Int.random(in: 0..<20, using: &random) == 0 {
                plain = sent[sent.count - Int.random(in: 1...min(10, sent.count), using: &random)]  // retransmission
            } else {
                plain = random.rtpPacket(sequence: next[stream], ssrc: ssrcs[stream])
                next[stream] &+= Int.random(in: 0..<30, using: &random) == 0 ? UInt16.random(in: 2...200, using: &random) : 1
                sent.append(plain)
            }
            let native = nativeOut.outcome(plain, rtcp: false)
            let reference = libsrtpOut.outcome(plain, rtcp: false)
            #expect(native == reference, "round \(round)")
            guard case .success(let protected) = native else { continue }
            #expect(protected.count == plain.count + profile.rtpOverhead)
            let byLibsrtp = libsrtpIn.outcome(protected, rtcp: false)
            let byNative = nativeIn.outcome(protected, rtcp: false)
            #expect(byLibsrtp == byNative, "round \(round)")
            tally.add(byNative)
            if case .success(let recovered) = byNative { #expect(recovered == plain) }
        }
        #expect(tally.accepted > 1300)
        #expect(tally.replayed > 0)  // the retransmissions, seen twice by the receivers
    }

    @Test("RTCP: identical protect output (same SRTCP indices) and cross unprotect", arguments: SRTPProfile.allCases)
    func rtcpProtectMatches(profile: SRTPProfile) throws {
        var random = SeededRandom(seed: 0x5243 &+ UInt64(profile.rawValue))
        let nativeOut = try SRTPContext.make(profile, .outbound, engine: .native)
        let libsrtpOut = try SRTPContext.make(profile, .outbound, engine: .libsrtp)
        let nativeIn = try SRTPContext.make(profile, .inbound, engine: .native)
        let libsrtpIn = try SRTPContext.make(profile, .inbound, engine: .libsrtp)
        for round in 0..<600 {
            let plain = random.rtcpPacket(ssrc: [1, 0xABCD_EF01][round % 2])
            let native = nativeOut.outcome(plain, rtcp: true)
            #expect(native == libsrtpOut.outcome(plain, rtcp: true), "round \(round)")
            let protected = try native.get()
            #expect(protected.count == plain.count + profile.rtcpOverhead)
            #expect(try libsrtpIn.outcome(protected, rtcp: true).get() == plain)
            #expect(try nativeIn.outcome(protected, rtcp: true).get() == plain)
        }
    }

    /// Delivers `packets` in a shuffled order with duplicates, stale repeats,
    /// tampered copies, truncations and a stranger's packets to a native and
    /// a libsrtp receiver; every answer must match.
    func receiversAgree(profile: SRTPProfile, rtcp: Bool, seed: UInt64, window: Int) throws -> OutcomeTally {
        var random = SeededRandom(seed: seed)
        let sender = try SRTPContext.make(profile, .outbound, engine: .native)
        let stranger = try SRTPContext.make(profile, .outbound, engine: .native, key: [UInt8](repeating: 9, count: 16))
        let ssrcs: [UInt32] = [0x0102_0304, 0xFFFF_0000]
        var sequences: [UInt16] = [65_000, 30_000]
        var strangerSequence: UInt16 = 1
        var protected: [[UInt8]] = []
        for round in 0..<2500 {
            let stream = round % 2
            let plain = rtcp ? random.rtcpPacket(ssrc: ssrcs[stream]) : random.rtpPacket(sequence: sequences[stream], ssrc: ssrcs[stream])
            sequences[stream] &+= 1
            protected.append(try sender.outcome(plain, rtcp: rtcp).get())
        }
        // Shuffle within blocks of 40: reordering inside the window.
        var deliveries: [[UInt8]] = []
        var start = 0
        while start < protected.count {
            let block = protected[start..<min(start + 40, protected.count)].shuffled(using: &random)
            for packet in block {
                deliveries.append(packet)
                switch Int.random(in: 0..<40, using: &random) {
                case 0, 1: deliveries.append(packet)  // duplicate
                case 2: deliveries.append(protected[max(0, start - Int.random(in: 100...1500, using: &random))])  // stale
                case 3: deliveries.append(random.tampered(packet))
                case 4: deliveries.append(Array(packet.prefix(Int.random(in: 0..<packet.count, using: &random))))
                case 5:
                    strangerSequence &+= UInt16.random(in: 1...3000, using: &random)
                    let foreign = rtcp ? random.rtcpPacket(ssrc: ssrcs[0]) : random.rtpPacket(sequence: strangerSequence, ssrc: ssrcs[1])
                    deliveries.append(try stranger.outcome(foreign, rtcp: rtcp).get())
                default: break
                }
            }
            start += 40
        }
        let nativeIn = try SRTPContext.make(profile, .inbound, engine: .native, replayWindow: window)
        let libsrtpIn = try SRTPContext.make(profile, .inbound, engine: .libsrtp, replayWindow: window)
        var tally = OutcomeTally()
        for (number, packet) in deliveries.enumerated() {
            let native = nativeIn.outcome(packet, rtcp: rtcp)
            let reference = libsrtpIn.outcome(packet, rtcp: rtcp)
            #expect(native == reference, "delivery \(number) of \(packet.count) bytes")
            tally.add(native)
        }
        return tally
    }

    @Test("RTP receivers agree: reorder, replay, stale, tampered, truncated, wrong key", arguments: SRTPProfile.allCases, [64, 1024])
    func rtpReceiversAgree(profile: SRTPProfile, window: Int) throws {
        let tally = try receiversAgree(profile: profile, rtcp: false, seed: 0xA11CE &+ UInt64(window), window: window)
        #expect(tally.accepted >= 2500)
        #expect(tally.replayed > 0)
        #expect(tally.tooOld > 0)
        #expect(tally.authenticationFailed > 0)
        #expect(tally.other == 0)
    }

    @Test("RTCP receivers agree: reorder, replay, stale, tampered, truncated, wrong key", arguments: SRTPProfile.allCases)
    func rtcpReceiversAgree(profile: SRTPProfile) throws {
        let tally = try receiversAgree(profile: profile, rtcp: true, seed: 0xB0B, window: 1024)
        #expect(tally.accepted >= 2500)
        #expect(tally.replayed > 0)
        #expect(tally.tooOld > 0)
        #expect(tally.authenticationFailed > 0)
        #expect(tally.other == 0)
    }

    @Test("outbound: a retransmitted sequence number is protected again only when allowed", arguments: SRTPProfile.allCases)
    func retransmission(profile: SRTPProfile) throws {
        for engine in SRTPContext.Engine.allCases {
            let strict = try SRTPContext(
                profile: profile, masterKey: profile.testKey, masterSalt: profile.testSalt, direction: .outbound,
                allowRetransmission: false, engine: engine)
            let lenient = try SRTPContext.make(profile, .outbound, engine: engine)
            let plain = rtpPacket(sequence: 500)
            let first = try strict.outcome(plain, rtcp: false).get()
            #expect(strict.outcome(plain, rtcp: false) == .failure(.replayed), "\(engine)")
            #expect(try lenient.outcome(plain, rtcp: false).get() == first, "\(engine)")
            #expect(try lenient.outcome(plain, rtcp: false).get() == first, "\(engine)")
        }
    }

    /// An SRTCP packet sent without encryption (E = 0, RFC 3711 §3.4), built
    /// by hand from the session keys: AEAD authenticates the whole packet
    /// (RFC 7714 §9.3), so both engines accept it; with AES-CM our policy
    /// encrypts, so both refuse it.
    @Test("SRTCP with the E flag clear: accepted under GCM, refused under AES-CM, by both engines", arguments: SRTPProfile.allCases)
    func unencryptedSRTCP(profile: SRTPProfile) throws {
        let plain = rtcpPacket(ssrc: 0x0BAD_CAFE) + [UInt8](repeating: 0x5A, count: 24)
        let word: [UInt8] = [0x00, 0x00, 0x00, 0x07]  // E = 0, index 7
        func key(_ label: UInt8, _ length: Int) throws -> [UInt8] {
            try SRTPPrimitives.nativeDeriveSessionKey(masterKey: profile.testKey, masterSalt: profile.testSalt, label: label, length: length)
        }
        let packet: [UInt8]
        switch profile {
        case .aeadAES128GCM:
            let salt = try key(5, 12)
            let iv = zip([0, 0] + Array(plain[4..<8]) + [0, 0] + word, salt).map { $0 ^ $1 }
            let tag = try SRTPPrimitives.nativeAESGCM128Seal(sessionKey: try key(3, 16), iv: iv, aad: plain + word, plaintext: [])
            packet = plain + tag + word
        case .aes128CMHMACSHA1_80:
            let tag = try SRTPPrimitives.nativeHMACSHA1(key: try key(4, 20), message: plain + word)
            packet = plain + word + tag.prefix(10)
        }
        for engine in SRTPContext.Engine.allCases {
            let receiver = try SRTPContext.make(profile, .inbound, engine: engine)
            let outcome = receiver.outcome(packet, rtcp: true)
            switch profile {
            case .aeadAES128GCM: #expect(outcome == .success(plain), "\(engine)")
            case .aes128CMHMACSHA1_80: #expect(outcome == .failure(.authenticationFailed), "\(engine)")
            }
        }
    }
}
