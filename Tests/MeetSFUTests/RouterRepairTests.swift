import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// A publisher's RTX stream (RFC 4588, `Router+Repair`): a retransmission
/// is routed as the media packet it repeats, padding-only probes are
/// counted and dropped, and an RTX packet the router cannot place is
/// dropped, counted, without touching the media stream.
@Suite struct RouterRepairTests {
    let video: UInt32 = 0xB0B0
    let rtxSSRC: UInt32 = 0x5151

    /// The router with the media stream and one subscriber (SSRC 11, its own
    /// payload type 100), packets 1000, 1001 and 1003 routed (1002 lost).
    private func routed(_ clock: TestClock) -> Router {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, payloadType: 96, cacheSlots: 64))
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, payloadType: 100, now: clock.now)
        let batch = PacketBatch(capacity: 16)
        for seq: UInt16 in [1000, 1001, 1003] {
            batch.reset()
            _ = router.route(media(seq), now: clock.now, batch: batch)
        }
        return router
    }

    private func media(_ seq: UInt16) -> [UInt8] {
        rtp(seq: seq, ts: 90 * UInt32(seq), ssrc: video, payload: vp8Payload(keyframe: seq == 1000) + [UInt8(seq & 0xFF)])
    }

    /// The RTX packet repeating `seq` (§4: OSN, then the original payload).
    private func repair(_ seq: UInt16, rtxSequence: UInt16 = 7, pt: UInt8 = 97) -> [UInt8] {
        rtp(seq: rtxSequence, ts: 90 * UInt32(seq), ssrc: rtxSSRC, pt: pt,
            payload: [UInt8(seq >> 8), UInt8(seq & 0xFF)] + vp8Payload(keyframe: false) + [UInt8(seq & 0xFF)])
    }

    private var stream: RepairStream { RepairStream(mediaSSRC: video, payloadType: 97, mediaPayloadType: 96) }

    private func dueNACKs(_ router: Router, at now: ContinuousClock.Instant) -> [UInt16] {
        var scratch: [UInt16] = []
        var nacked: [UInt16] = []
        router.collectUpstreamFeedback(now: now, scratch: &scratch, nack: { _, lost in nacked += lost }, keyframeRequest: { _ in })
        return nacked
    }

    @Test("§4: the retransmission is routed as the lost packet: its number, payload type and payload; the loss is no longer NACKed")
    func retransmissionRepairsTheLoss() throws {
        var clock = TestClock()
        let router = routed(clock)
        #expect(router.addRepairStream(ssrc: rtxSSRC, stream))
        clock.advance(.milliseconds(5))
        let batch = PacketBatch(capacity: 8)
        let result = router.route(repair(1002), now: clock.now, batch: batch)
        #expect(result.forwarded == 1 && result.drop == nil)
        #expect(result.publisherSSRC == video)
        let out = headers(in: batch)
        #expect(out.map(\.header.ssrc) == [11] && out.map(\.header.sequenceNumber) == [1002])
        #expect(out[0].header.payloadType == 100 && out[0].header.timestamp == 90 * 1002)
        #expect(Array(UnsafeRawBufferPointer(batch.packet(at: 0))[out[0].header.payloadRange]) == vp8Payload(keyframe: false) + [UInt8(1002 & 0xFF)])
        #expect(router.repairCounters.repaired == 1)
        // Counted as a packet in; the media stream's reception statistics keep the loss (§1).
        #expect(router.counters.packetsIn == 4)
        #expect(router.track(ssrc: video)?.statistics.packets == 3)
        #expect(router.track(ssrc: video)?.statistics.lost == 1)
        // Nothing left to ask for; and the cache has it for a subscriber's NACK.
        clock.advance(.seconds(1))
        #expect(dueNACKs(router, at: clock.now).isEmpty)
        batch.reset()
        #expect(router.handleNACK(subscriber: 1, mediaSSRC: 11, pairs: RTCPGenericNACK.pairs(for: [1002]), into: batch, flush: { _ in }) == 1)
    }

    @Test("without the RTX stream routed the loss stays and is NACKed")
    func withoutRepairTheLossIsNACKed() {
        var clock = TestClock()
        let router = routed(clock)
        let batch = PacketBatch(capacity: 8)
        #expect(router.route(repair(1002), now: clock.now, batch: batch).drop == .unknownSSRC)
        clock.advance(.milliseconds(50))
        #expect(dueNACKs(router, at: clock.now) == [1002])
    }

    @Test("a repeated packet already received is a duplicate; the RTX packet's own padding is not carried over")
    func duplicateAndPadding() throws {
        let clock = TestClock()
        let router = routed(clock)
        router.addRepairStream(ssrc: rtxSSRC, stream)
        let batch = PacketBatch(capacity: 8)
        expectEqual(router.route(repair(1001), now: clock.now, batch: batch).drop, .duplicate)
        #expect(router.repairCounters.duplicates == 1 && router.repairCounters.repaired == 0)
        // With 4 bytes of RTP padding after the payload (P bit).
        var padded = repair(1002)
        padded[0] |= 0x20
        padded += [0, 0, 0, 4]
        let result = router.route(padded, now: clock.now, batch: batch)
        #expect(result.forwarded == 1 && router.repairCounters.repaired == 1)
        let out = try #require(headers(in: batch).first)
        #expect(out.header.paddingLength == 0)
        #expect(Array(UnsafeRawBufferPointer(batch.packet(at: 0))[out.header.payloadRange]) == vp8Payload(keyframe: false) + [UInt8(1002 & 0xFF)])
    }

    @Test("a retransmission after the NACKs ran out is late, not a duplicate: forwarded once, on RTX or the media stream")
    func lateAfterTheLossLogGaveUp() {
        for overRTX in [true, false] {
            var clock = TestClock()
            let router = routed(clock)
            router.addRepairStream(ssrc: rtxSSRC, stream)
            // 5 NACKs of 1002, 100 ms apart, then the loss log forgets it.
            for _ in 0..<12 {
                clock.advance(.milliseconds(100))
                _ = dueNACKs(router, at: clock.now)
            }
            #expect(dueNACKs(router, at: clock.now).isEmpty)
            let batch = PacketBatch(capacity: 8)
            let late = overRTX ? repair(1002) : media(1002)
            let first = router.route(late, now: clock.now, batch: batch)
            #expect(first.drop == nil && first.forwarded == 1, "over RTX: \(overRTX)")
            #expect(headers(in: batch).map(\.header.sequenceNumber) == [1002])
            batch.reset()
            expectEqual(router.route(late, now: clock.now, batch: batch).drop, .duplicate)
            // Long-gone numbers stay duplicates: 1001 is in the cache.
            expectEqual(router.route(media(1001), now: clock.now, batch: batch).drop, .duplicate)
            #expect(router.repairCounters.repaired == (overRTX ? 1 : 0))
        }
    }

    @Test("padding-only RTX packets (probes) are counted and not forwarded")
    func paddingOnly() throws {
        let clock = TestClock()
        let router = routed(clock)
        router.addRepairStream(ssrc: rtxSSRC, stream)
        var buffer = [UInt8](repeating: 0, count: 300)
        let length = try #require(buffer.withUnsafeMutableBytes {
            RTXPacket.padding(into: $0, size: 255, ssrc: rtxSSRC, sequenceNumber: 9, timestamp: 0, payloadType: 97, transportWideID: 0)
        })
        let batch = PacketBatch(capacity: 8)
        let result = router.route(Array(buffer[0..<length]), now: clock.now, batch: batch)
        #expect(result.drop == .repairPadding && result.forwarded == 0 && batch.count == 0)
        #expect(router.repairCounters == { var c = RepairCounters(); c.padding = 1; return c }())
    }

    @Test("another payload type asks for the stream to be paired again; an RTX of a stream that left, or too large, is dropped and counted")
    func unrepairable() {
        let clock = TestClock()
        let router = routed(clock)
        router.addRepairStream(ssrc: rtxSSRC, stream)
        let batch = PacketBatch(capacity: 8)
        // As for a media stream: the caller pairs it again (its RTX may have been renumbered).
        expectEqual(router.route(repair(1002, pt: 98), now: clock.now, batch: batch).drop, .otherPayloadType)
        // Too large to rebuild in the scratch buffer.
        let huge = rtp(seq: 8, ts: 0, ssrc: rtxSSRC, pt: 97, payload: [0x03, 0xEA] + [UInt8](repeating: 7, count: 2100))
        expectEqual(router.route(huge, now: clock.now, batch: batch).drop, .unrepairable)
        // One RTX stream per media stream: a new SSRC for it replaces the old one.
        // Here the media stream has another codec's payload type than the one repaired.
        router.addRepairStream(ssrc: 0x6161, RepairStream(mediaSSRC: video, payloadType: 103, mediaPayloadType: 102))
        #expect(router.repairStream(ssrc: rtxSSRC) == nil)
        let other = rtp(seq: 1, ts: 0, ssrc: 0x6161, pt: 103, payload: [0x03, 0xEA, 1, 2, 3])
        expectEqual(router.route(other, now: clock.now, batch: batch).drop, .unrepairable)
        // The media stream leaves: its RTX stream goes with it.
        router.removeTrack(ssrc: video)
        #expect(router.repairStream(ssrc: 0x6161) == nil)
        expectEqual(router.route(other, now: clock.now, batch: batch).drop, .unknownSSRC)
        #expect(router.repairCounters.unrepairable == 2 && router.repairCounters.repaired == 0 && batch.count == 0)
    }

    @Test("the original keeps the RTX packet's CSRCs, header extensions, marker and timestamp")
    func extensionsAndCSRCs() throws {
        let clock = TestClock()
        let router = routed(clock)
        router.addRepairStream(ssrc: rtxSSRC, stream)
        let payload = vp8Payload(keyframe: false) + [0x42]
        var packet = RTPPacket(
            marker: true, payloadType: 97, sequenceNumber: 3, timestamp: 90 * 1002, ssrc: rtxSSRC, csrcs: [0xC1, 0xC2],
            payload: [0x03, 0xEA] + payload)
        try packet.setExtension(id: 3, value: [9, 8, 7])
        let batch = PacketBatch(capacity: 8)
        let result = router.route(try packet.encode(), now: clock.now, batch: batch)
        #expect(result.forwarded == 1 && router.repairCounters.repaired == 1)
        let forwarded = try RTPPacket(parsing: UnsafeRawBufferPointer(batch.packet(at: 0)))
        #expect(forwarded.sequenceNumber == 1002 && forwarded.ssrc == 11 && forwarded.payloadType == 100)
        #expect(forwarded.marker && forwarded.timestamp == 90 * 1002 && forwarded.csrcs == [0xC1, 0xC2])
        #expect(forwarded.extensionValue(id: 3) == [9, 8, 7])
        #expect(forwarded.payload == payload)
    }

    @Test("an RTX stream of a media stream not routed yet is dropped until it is")
    func mediaRoutedLater() {
        let clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addRepairStream(ssrc: rtxSSRC, stream)
        let batch = PacketBatch(capacity: 8)
        expectEqual(router.route(repair(1002), now: clock.now, batch: batch).drop, .unrepairable)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, payloadType: 96, cacheSlots: 64))
        let result = router.route(repair(1002), now: clock.now, batch: batch)
        #expect(result.drop == nil && router.repairCounters.repaired == 1)
    }

    @Test("the table of RTX streams is bounded and never shadows a media stream")
    func bounded() {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, payloadType: 96))
        #expect(!router.addRepairStream(ssrc: video, stream))
        func repairing(_ media: UInt32) -> RepairStream { RepairStream(mediaSSRC: media, payloadType: 97, mediaPayloadType: 96) }
        for ssrc in UInt32(1)...UInt32(Router.maximumRepairStreams) { #expect(router.addRepairStream(ssrc: ssrc, repairing(1000 + ssrc))) }
        #expect(!router.addRepairStream(ssrc: 0x9999, repairing(0x9999)))
        // Replacing one already kept is allowed, by its SSRC or its media stream's.
        #expect(router.addRepairStream(ssrc: 1, RepairStream(mediaSSRC: 1001, payloadType: 99, mediaPayloadType: 96)))
        #expect(router.addRepairStream(ssrc: 0x9998, repairing(1003)))
        #expect(router.repairStream(ssrc: 3) == nil)
        router.removeTrack(ssrc: 1002)  // the media stream of RTX stream 2 leaves: room for one more
        #expect(router.repairStream(ssrc: 2) == nil)
        #expect(router.addRepairStream(ssrc: 0x9999, repairing(0x9999)))
    }

    @Test("RTX packets, retransmissions and padding alike, are reported received in transport-wide feedback")
    func transportWideFeedback() throws {
        let clock = TestClock()
        let router = Router()
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, payloadType: 96, clockRate: 90_000))
        router.addRepairStream(ssrc: rtxSSRC, stream)
        router.enableTransportWideFeedback(extensionID: 5, now: clock.now)
        var buffer = [UInt8](repeating: 0, count: 300)
        let length = try #require(buffer.withUnsafeMutableBytes {
            RTXPacket.padding(into: $0, size: 200, ssrc: rtxSSRC, sequenceNumber: 8, timestamp: 0, payloadType: 97, transportWideID: 0)
        })
        func stamped(_ bytes: [UInt8], _ number: UInt16) throws -> [UInt8] {
            var packet = try RTPPacket(parsing: bytes)
            try packet.setExtension(id: 5, value: [UInt8(number >> 8), UInt8(number & 0xFF)])
            return try packet.encode()
        }
        let batch = PacketBatch(capacity: 8)
        _ = router.route(try stamped(media(1000), 500), now: clock.now, batch: batch)
        _ = router.route(try stamped(media(1002), 501), now: clock.now, batch: batch)
        _ = router.route(try stamped(repair(1001), 502), now: clock.now, batch: batch)
        #expect(router.repairCounters.repaired == 1)
        expectEqual(router.route(try stamped(Array(buffer[0..<length]), 503), now: clock.now, batch: batch).drop, .repairPadding)
        let feedback = try #require(router.makeTransportWideFeedback(senderSSRC: 1))
        #expect(feedback.packets.map(\.sequenceNumber) == [500, 501, 502, 503])
        #expect(feedback.packets.allSatisfy { $0.receiveDelta != nil })
    }
}
