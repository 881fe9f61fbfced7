import Testing
@testable import MeetRTCP

private func parse(_ bytes: [UInt8]) throws -> [RTCPPacket] { try RTCPPacket.parseCompound(bytes) }
private func roundTrip(_ packets: [RTCPPacket]) throws -> [RTCPPacket] { try parse(try RTCPPacket.encodeCompound(packets)) }

@Suite("RTCP (RFC 3550 §6, RFC 4585, RFC 5104)")
struct RTCPTests {
    /// A Chrome-style compound receiver report: RR with one block, then SDES CNAME.
    static let compoundRR = hex("""
        81 c9 00 07 00 00 00 01
        11 22 33 44 05 ff ff fe 00 01 23 45 00 00 00 20 12 34 56 78 00 00 80 00
        81 ca 00 04 00 00 00 01 01 07 61 62 63 64 65 66 67 00 00 00
        """)

    @Test("§6.4.2 RR + §6.5 SDES compound: parse, fields, byte-exact re-encode")
    func compoundReceiverReport() throws {
        let packets = try parse(Self.compoundRR)
        #expect(packets.count == 2)
        guard case .receiverReport(let rr) = packets[0], case .sourceDescription(let sdes) = packets[1] else {
            Issue.record("wrong types \(packets)"); return
        }
        #expect(rr.ssrc == 1)
        let block = try #require(rr.reports.first)
        #expect(block.ssrc == 0x1122_3344)
        #expect(block.fractionLost == 5)
        #expect(block.cumulativeLost == -2)
        #expect(block.extendedHighestSequence == 0x12345)
        #expect(block.jitter == 32)
        #expect(block.lastSenderReport == 0x1234_5678)
        #expect(block.delaySinceLastSenderReport == 0x8000)
        #expect(sdes.chunks.first?.cname == "abcdefg")
        #expect(try RTCPPacket.encodeCompound(packets) == Self.compoundRR)
        #expect(packets[0].mediaSSRCs == [0x1122_3344])
    }

    @Test("§6.4.1 SR with report blocks and profile extensions round-trips")
    func senderReport() throws {
        let sr = RTCPSenderReport(
            ssrc: 0xDEAD_BEEF, ntpTimestamp: 0xE6B1_2345_8000_0000, rtpTimestamp: 90000, packetCount: 10, octetCount: 12000,
            reports: [RTCPReportBlock(ssrc: 7, fractionLost: 1, cumulativeLost: 0x7F_FFFF), RTCPReportBlock(ssrc: 8, cumulativeLost: -0x80_0000)],
            profileExtensions: [1, 2, 3, 4])
        let bytes = try RTCPPacket.encodeCompound([.senderReport(sr)])
        #expect(bytes.count == 28 + 48 + 4)
        #expect(bytes[0] == 0x82 && bytes[1] == 200)
        #expect(try parse(bytes) == [.senderReport(sr)])
        #expect(sr.compactNTP == 0x2345_8000)
    }

    @Test("§6.6 BYE with and without a reason")
    func goodbye() throws {
        let withReason = RTCPGoodbye(sources: [1, 2], reason: "bye now")
        let without = RTCPGoodbye(sources: [3])
        #expect(try roundTrip([.goodbye(withReason), .goodbye(without)]) == [.goodbye(withReason), .goodbye(without)])
        #expect(try RTCPPacket.encodeCompound([.goodbye(without)]) == hex("81 cb 00 01 00 00 00 03"))
    }

    @Test("RFC 4585 §6.3.1 PLI bytes")
    func pli() throws {
        let bytes = hex("81 ce 00 02 00 00 00 01 ab cd ef 01")
        let packets = try parse(bytes)
        #expect(packets == [.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0xABCD_EF01))])
        #expect(try RTCPPacket.encodeCompound(packets) == bytes)
    }

    @Test("RFC 5104 §4.3.1 FIR entries")
    func fir() throws {
        let bytes = hex("84 ce 00 04 00 00 00 01 00 00 00 00 ab cd ef 01 2a 00 00 00")
        let packets = try parse(bytes)
        #expect(packets == [.fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 0xABCD_EF01, sequenceNumber: 42)]))])
        #expect(try RTCPPacket.encodeCompound(packets) == bytes)
    }

    @Test("RFC 4585 §6.2.1 generic NACK: PID/BLP pairs ↔ sequence numbers")
    func nack() throws {
        let bytes = hex("81 cd 00 03 00 00 00 01 00 00 00 02 00 64 80 05")
        guard case .nack(let nack) = try parse(bytes)[0] else { Issue.record("not a NACK"); return }
        #expect(nack.sequenceNumbers == [100, 101, 103, 116])
        #expect(RTCPGenericNACK.pairs(for: [100, 101, 103, 116]) == nack.pairs)
        #expect(try RTCPPacket.encodeCompound([.nack(nack)]) == bytes)
        // Wrap-around and gaps wider than 16.
        let lost: [UInt16] = [65534, 65535, 0, 5, 40, 41]
        let built = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lost: lost)
        #expect(built.pairs.count == 2)
        #expect(built.sequenceNumbers == lost)
        #expect(try roundTrip([.nack(built)]) == [.nack(built)])
    }

    @Test("REMB (draft-alvestrand-rmcat-remb §2.2): mantissa/exponent bitrate")
    func remb() throws {
        // 'REMB', 1 SSRC, exp 2, mantissa 0x3d090 (250000) → 1 000 000 bps.
        let bytes = hex("8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 01 0b d0 90 11 22 33 44")
        guard case .receiverEstimatedMaxBitrate(let remb) = try parse(bytes)[0] else { Issue.record("not REMB"); return }
        #expect(remb.bitrate == 1_000_000)
        #expect(remb.ssrcs == [0x1122_3344])
        let big = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 2_500_000_000, ssrcs: [1, 2])
        guard case .receiverEstimatedMaxBitrate(let parsed) = try roundTrip([.receiverEstimatedMaxBitrate(big)])[0] else {
            Issue.record("not REMB"); return
        }
        #expect(parsed.ssrcs == [1, 2])
        #expect(parsed.bitrate <= big.bitrate && parsed.bitrate > big.bitrate - big.bitrate / 100_000)
    }

    @Test("transport-wide CC §3.1: run-length chunk, deltas, padding")
    func transportWideRunLength() throws {
        let bytes = hex("8f cd 00 06 00 00 00 01 00 00 00 02 00 0a 00 03 00 00 10 07 20 03 04 08 0c 00 00 00")
        guard case .transportWideFeedback(let fb) = try parse(bytes)[0] else { Issue.record("not TWCC"); return }
        #expect(fb.baseSequenceNumber == 10)
        #expect(fb.referenceTime == 16)
        #expect(fb.feedbackPacketCount == 7)
        #expect(fb.packets.map(\.sequenceNumber) == [10, 11, 12])
        #expect(fb.packets.map(\.receiveDelta) == [4, 8, 12])
        #expect(try roundTrip([.transportWideFeedback(fb)]) == [.transportWideFeedback(fb)])
    }

    @Test("transport-wide CC §3.1.3/§3.1.4: status vectors, losses, negative and large deltas")
    func transportWideVectors() throws {
        var results = [RTCPTransportWideFeedback.PacketResult]()
        var seq: UInt16 = 65530
        let deltas: [Int16?] = [1, nil, nil, 300, -4, 255, 0, nil] + Array(repeating: nil, count: 20) + Array(repeating: 10, count: 9) + [2, nil, 3]
        for d in deltas {
            results.append(.init(sequenceNumber: seq, receiveDelta: d))
            seq &+= 1
        }
        let fb = RTCPTransportWideFeedback(senderSSRC: 9, mediaSSRC: 10, baseSequenceNumber: 65530, referenceTime: -5,
                                           feedbackPacketCount: 255, packets: results)
        let encoded = try RTCPPacket.encodeCompound([.transportWideFeedback(fb)])
        #expect(encoded.count % 4 == 0)
        #expect(try parse(encoded) == [.transportWideFeedback(fb)])
    }

    @Test("APP and unknown feedback formats are kept raw, byte for byte")
    func rawPackets() throws {
        let app = hex("80 cc 00 02 00 00 00 01 54 45 53 54")
        let unknownFB = hex("83 cd 00 02 00 00 00 01 00 00 00 02")
        let packets = try parse(app + unknownFB)
        guard case .raw(let a) = packets[0], case .raw(let b) = packets[1] else { Issue.record("not raw"); return }
        #expect(a.header.packetType == 204 && b.header.count == 3)
        #expect(try RTCPPacket.encodeCompound(packets) == app + unknownFB)
        #expect(RTCPPacket.isRTCP(secondByte: 0xCC) && !RTCPPacket.isRTCP(secondByte: 0x60))
    }

    @Test("malformed packets throw typed errors")
    func rejections() {
        #expect(throws: RTCPParseError.truncated(needed: 4, available: 0)) { try parse([]) }
        #expect(throws: RTCPParseError.badVersion(1)) { try parse(hex("41 c9 00 01 00 00 00 01")) }
        #expect(throws: RTCPParseError.truncated(needed: 12, available: 8)) { try parse(hex("81 c9 00 02 00 00 00 01")) }
        #expect(throws: RTCPParseError.self) { try parse(hex("81 c9 00 01 00 00 00 01")) }  // RC=1, no block
        #expect(throws: RTCPParseError.badPadding(count: 0)) { try parse(hex("a0 c9 00 01 00 00 00 00")) }
        #expect(throws: RTCPParseError.self) { try parse(hex("81 cd 00 02 00 00 00 01 00 00")) }
        #expect(throws: RTCPParseError.self) { try parse(hex("8f cd 00 04 00 00 00 01 00 00 00 02 00 0a 00 10 00 00 10 07")) }
        #expect(throws: RTCPParseError.self) { try RTCPPacket.encodeCompound([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: Array(repeating: RTCPReportBlock(ssrc: 1), count: 32)))]) }
    }

    @Test("every truncation and random mutation of a compound packet is handled without trapping")
    func robustness() throws {
        let twcc = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 1, referenceTime: 3, feedbackPacketCount: 1,
                                             packets: [.init(sequenceNumber: 1, receiveDelta: 4), .init(sequenceNumber: 2, receiveDelta: -300)])
        let bytes = try RTCPPacket.encodeCompound([
            .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [RTCPReportBlock(ssrc: 9)])),
            .sourceDescription(RTCPSourceDescription(chunks: [.init(source: 1, items: [.cname("x")])])),
            .transportWideFeedback(twcc), .nack(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lost: [1, 3])),
            .goodbye(RTCPGoodbye(sources: [1], reason: "r")),
        ])
        for n in 0..<bytes.count { _ = try? parse(Array(bytes.prefix(n))) }
        var rng = SeededGenerator(seed: 11)
        var parsedCount = 0
        for _ in 0..<3000 {
            var m = bytes
            for _ in 0..<2 { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let packets = try? parse(m) {
                parsedCount += 1
                _ = try? RTCPPacket.encodeCompound(packets)
            }
        }
        #expect(parsedCount > 0)
    }
}

@Suite("Transport-wide CC arrivals")
struct TransportWideArrivalTests {
    @Test("§3.1.5 arrival times → feedback → arrival times, quantized to 250 µs")
    func arrivalsRoundTrip() throws {
        let arrivals: [Int64?] = [1_000_000, nil, 1_000_500, 1_010_000, 900_000, nil, 1_000_124]
        let fb = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 3,
                                           baseSequenceNumber: 65535, arrivals: arrivals)
        #expect(fb.referenceTime == 15)  // 15 × 64 ms = 960 ms ≤ the first arrival
        #expect(fb.packets.map(\.sequenceNumber) == [65535, 0, 1, 2, 3, 4, 5])
        #expect(fb.packets[0].receiveDelta == 160)  // 40 ms
        #expect(fb.packets[4].receiveDelta == -440)  // arrived earlier: a negative, 2-byte delta
        guard case .transportWideFeedback(let parsed) = try RTCPPacket.parseCompound(
            try RTCPPacket.encodeCompound([.transportWideFeedback(fb)]))[0] else { Issue.record("not TWCC"); return }
        #expect(parsed.arrivals == [1_000_000, nil, 1_000_500, 1_010_000, 900_000, nil, 1_000_000])
        // 1_000_124 is 400.496 ticks after the previous arrival (900_000): it rounds to 400.
    }
}
