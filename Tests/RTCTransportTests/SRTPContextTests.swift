import MeetSRTP
import NIOCore
import Testing

@Suite("SRTP context: round trips, replay, tampering, bad input")
struct SRTPContextTests {
    @Test("RTP and RTCP round-trip for every profile and many SSRCs", arguments: SRTPProfile.allCases)
    func roundTrip(profile: SRTPProfile) throws {
        let (sender, receiver) = try profile.pair()
        for ssrc: UInt32 in [1, 0xDEAD_BEEF, 42] {
            for sequence: UInt16 in [65_530, 65_531, 65_535, 0, 1] {  // crosses a rollover
                let plain = rtpPacket(sequence: sequence, ssrc: ssrc)
                let protected = try srtpTransform(plain) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
                #expect(protected.count == plain.count + profile.rtpOverhead)
                #expect(protected.prefix(12) == plain.prefix(12))
                #expect(protected[12..<plain.count] != plain[12...])
                let recovered = try srtpTransform(protected) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
                #expect(recovered == plain)
            }
            let report = rtcpPacket(ssrc: ssrc)
            let protected = try srtpTransform(report) { (b, n) throws(SRTPError) in try sender.protectRTCP(b, length: n) }
            #expect(protected.count == report.count + profile.rtcpOverhead)
            let recovered = try srtpTransform(protected) { (b, n) throws(SRTPError) in try receiver.unprotectRTCP(b, length: n) }
            #expect(recovered == report)
        }
    }

    @Test("ByteBuffer API works in place and reserves the trailer", arguments: SRTPProfile.allCases)
    func byteBufferRoundTrip(profile: SRTPProfile) throws {
        let (sender, receiver) = try profile.pair()
        let plain = rtpPacket(sequence: 7)
        var buffer = ByteBuffer(bytes: plain)  // exactly sized: protect must grow it
        try sender.protectRTP(&buffer)
        #expect(buffer.readableBytes == plain.count + profile.rtpOverhead)
        try receiver.unprotectRTP(&buffer)
        #expect(Array(buffer.readableBytesView) == plain)

        // A buffer with a reader offset and spare room, as a receive path has.
        var framed = ByteBufferAllocator().buffer(capacity: 2048)
        framed.writeBytes([9, 9, 9])
        framed.moveReaderIndex(forwardBy: 3)
        framed.writeBytes(rtcpPacket())
        try sender.protectRTCP(&framed)
        try receiver.unprotectRTCP(&framed)
        #expect(Array(framed.readableBytesView) == rtcpPacket())
    }

    @Test("a replayed SRTP packet is rejected with .replayed", arguments: SRTPProfile.allCases)
    func replayRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try profile.pair()
        let protected = try srtpTransform(rtpPacket(sequence: 100)) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        _ = try srtpTransform(protected) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
        #expect(throws: SRTPError.replayed) {
            try srtpTransform(protected) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
        }
        let report = try srtpTransform(rtcpPacket()) { (b, n) throws(SRTPError) in try sender.protectRTCP(b, length: n) }
        _ = try srtpTransform(report) { (b, n) throws(SRTPError) in try receiver.unprotectRTCP(b, length: n) }
        #expect(throws: SRTPError.replayed) {
            try srtpTransform(report) { (b, n) throws(SRTPError) in try receiver.unprotectRTCP(b, length: n) }
        }
    }

    @Test("a packet behind the replay window is rejected with .tooOld")
    func tooOldRejected() throws {
        let profile = SRTPProfile.aes128CMHMACSHA1_80
        let sender = try SRTPContext(profile: profile, masterKey: profile.testKey, masterSalt: profile.testSalt, direction: .outbound)
        let receiver = try SRTPContext(
            profile: profile, masterKey: profile.testKey, masterSalt: profile.testSalt, direction: .inbound, replayWindow: 64)
        let old = try srtpTransform(rtpPacket(sequence: 1)) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        let recent = try srtpTransform(rtpPacket(sequence: 1000)) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        _ = try srtpTransform(recent) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
        #expect(throws: SRTPError.tooOld) {
            try srtpTransform(old) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
        }
    }

    @Test("reordered packets inside the window are accepted")
    func reorderAccepted() throws {
        let (sender, receiver) = try SRTPProfile.aeadAES128GCM.pair()
        let packets = try (0..<10).map { sequence in
            try srtpTransform(rtpPacket(sequence: UInt16(sequence))) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        }
        for index in [3, 1, 0, 2, 9, 4, 8, 5, 7, 6] {
            let plain = try srtpTransform(packets[index]) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
            #expect(plain == rtpPacket(sequence: UInt16(index)))
        }
    }

    @Test("a tampered tag, payload or header fails authentication", arguments: SRTPProfile.allCases)
    func tamperingRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try profile.pair()
        let protected = try srtpTransform(rtpPacket(sequence: 5)) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        for position in [protected.count - 1, 20, 5] {  // tag, payload, header (timestamp)
            var tampered = protected
            tampered[position] ^= 0x01
            #expect(throws: SRTPError.authenticationFailed) {
                try srtpTransform(tampered) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
            }
        }
        // The genuine packet still passes: failures do not advance the window.
        let plain = try srtpTransform(protected) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
        #expect(plain == rtpPacket(sequence: 5))
    }

    @Test("a different key fails authentication")
    func wrongKeyRejected() throws {
        let profile = SRTPProfile.aes128CMHMACSHA1_80
        let sender = try SRTPContext(profile: profile, masterKey: profile.testKey, masterSalt: profile.testSalt, direction: .outbound)
        let stranger = try SRTPContext(
            profile: profile, masterKey: [UInt8](repeating: 1, count: 16), masterSalt: profile.testSalt, direction: .inbound)
        let protected = try srtpTransform(rtpPacket(sequence: 5)) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
        #expect(throws: SRTPError.authenticationFailed) {
            try srtpTransform(protected) { (b, n) throws(SRTPError) in try stranger.unprotectRTP(b, length: n) }
        }
    }

    @Test("misuse and malformed input throw typed errors")
    func badInput() throws {
        let profile = SRTPProfile.aeadAES128GCM
        #expect(throws: SRTPError.invalidKeyLength) {
            try SRTPContext(profile: profile, masterKey: [1, 2, 3], masterSalt: profile.testSalt, direction: .inbound)
        }
        #expect(throws: SRTPError.invalidKeyLength) {
            try SRTPContext(profile: profile, masterKey: profile.testKey, masterSalt: [UInt8](repeating: 0, count: 14), direction: .inbound)
        }
        let (sender, receiver) = try profile.pair()
        #expect(throws: SRTPError.wrongDirection) {
            try srtpTransform(rtpPacket(sequence: 1)) { (b, n) throws(SRTPError) in try receiver.protectRTP(b, length: n) }
        }
        #expect(throws: SRTPError.wrongDirection) {
            try srtpTransform(rtpPacket(sequence: 1)) { (b, n) throws(SRTPError) in try sender.unprotectRTP(b, length: n) }
        }
        var tight = rtpPacket(sequence: 1)
        let tooSmall = tight.withUnsafeMutableBytes { b in
            Result { () throws(SRTPError) in try sender.protectRTP(b, length: b.count) }
        }
        #expect(throws: SRTPError.bufferTooSmall) { try tooSmall.get() }
        // Too short, wrong version, CSRC count or extension running past the end.
        let malformed: [[UInt8]] = [
            [], [0x80, 96, 0, 1], [0x40] + [UInt8](repeating: 0, count: 40),
            [0x8F] + [UInt8](repeating: 0, count: 40),
            [0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 30),
        ]
        for packet in malformed {
            #expect(throws: SRTPError.malformedPacket) {
                try srtpTransform(packet) { (b, n) throws(SRTPError) in try receiver.unprotectRTP(b, length: n) }
            }
            #expect(throws: SRTPError.malformedPacket) {
                try srtpTransform(packet) { (b, n) throws(SRTPError) in try sender.protectRTP(b, length: n) }
            }
        }
        #expect(throws: SRTPError.malformedPacket) {
            try srtpTransform([0x80, 201, 0, 1]) { (b, n) throws(SRTPError) in try receiver.unprotectRTCP(b, length: n) }
        }
    }

    @Test("random input never traps and is never accepted", arguments: SRTPProfile.allCases)
    func randomInput(profile: SRTPProfile) throws {
        var random = SeededRandom(seed: UInt64(profile.rawValue))
        let (_, receiver) = try profile.pair()
        for round in 0..<2000 {
            var packet = random.bytes(Int.random(in: 0...300, using: &random))
            if round % 2 == 0, !packet.isEmpty { packet[0] = 0x80 | (packet[0] & 0x3F) }
            let rtcp = round % 3 == 0
            let result = try? srtpTransform(packet) { (b, n) throws(SRTPError) in
                rtcp ? try receiver.unprotectRTCP(b, length: n) : try receiver.unprotectRTP(b, length: n)
            }
            #expect(result == nil)
        }
    }

    @Test("keys from a session pair: each side's outbound matches the other's inbound")
    func sessionPair() throws {
        let profile = SRTPProfile.aeadAES128GCM
        let keyA = [UInt8](repeating: 0xA, count: 16), saltA = [UInt8](repeating: 0xA, count: 12)
        let keyB = [UInt8](repeating: 0xB, count: 16), saltB = [UInt8](repeating: 0xB, count: 12)
        let a = try SRTPSession(profile: profile, localMasterKey: keyA, localMasterSalt: saltA, remoteMasterKey: keyB, remoteMasterSalt: saltB)
        let b = try SRTPSession(profile: profile, localMasterKey: keyB, localMasterSalt: saltB, remoteMasterKey: keyA, remoteMasterSalt: saltA)
        var packet = ByteBuffer(bytes: rtpPacket(sequence: 9))
        try a.outbound.protectRTP(&packet)
        try b.inbound.unprotectRTP(&packet)
        #expect(Array(packet.readableBytesView) == rtpPacket(sequence: 9))
        var back = ByteBuffer(bytes: rtpPacket(sequence: 10))
        try b.outbound.protectRTP(&back)
        #expect(throws: SRTPError.authenticationFailed) {
            var copy = back
            try b.inbound.unprotectRTP(&copy)
        }
        try a.inbound.unprotectRTP(&back)
        #expect(Array(back.readableBytesView) == rtpPacket(sequence: 10))
    }
}
