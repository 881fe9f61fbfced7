import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// NACKed packets repeated on the down-track's RTX stream (RFC 4588 §4):
/// the original sequence number first in the payload, the RTX SSRC,
/// payload type and its own numbering; plain without RTX.
@Suite struct RouterRTXTests {
    let video: UInt32 = 0xB0B0

    private func routed(_ clock: TestClock) -> Router {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, cacheSlots: 64))
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, payloadType: 100, now: clock.now)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 22, now: clock.now)
        let batch = PacketBatch(capacity: 16)
        for seq in UInt16(1000)..<1006 {
            batch.reset()
            _ = router.route(
                rtp(seq: seq, ts: 90 * UInt32(seq), ssrc: video, payload: vp8Payload(keyframe: seq == 1000) + [UInt8(seq & 0xFF)]),
                now: clock.now, batch: batch)
        }
        return router
    }

    @Test("§4: a NACKed packet goes out as RTX: OSN, RTX SSRC, payload type and sequence; the payload follows the OSN")
    func nackOverRTX() throws {
        let clock = TestClock()
        let router = routed(clock)
        #expect(router.setRTX(RTXStream(ssrc: 0x5151, payloadType: 101, sequenceNumber: 0xFFFF), publisherSSRC: video, subscriber: 1))
        #expect(!router.setRTX(nil, publisherSSRC: video, subscriber: 9))
        let batch = PacketBatch(capacity: 8)
        // The subscriber saw 1000...1005 as 1000...1005 (no pause, no offset).
        let sent = router.handleNACK(
            subscriber: 1, mediaSSRC: 11, pairs: RTCPGenericNACK.pairs(for: [1002, 1004]), into: batch, flush: { _ in })
        #expect(sent == 2)
        let out = headers(in: batch)
        #expect(out.map(\.header.ssrc) == [0x5151, 0x5151])
        #expect(out.map(\.header.payloadType) == [101, 101])
        // Its own numbering, across the wrap.
        #expect(out.map(\.header.sequenceNumber) == [0xFFFF, 0])
        #expect(out[0].header.timestamp == 90 * 1002)
        for (index, original) in [UInt16(1002), 1004].enumerated() {
            let bytes = UnsafeRawBufferPointer(batch.packet(at: index))
            let repaired = try #require(RTXPacket.original(of: out[index].header, in: bytes))
            #expect(repaired.sequenceNumber == original)
            #expect(Array(bytes[repaired.payload]) == vp8Payload(keyframe: false) + [UInt8(original & 0xFF)])
        }
        let rtx = try #require(router.track(ssrc: video)?.downTracks.first { $0.subscriber == 1 }?.rtx)
        #expect(rtx.sequenceNumber == 1 && rtx.packetsSent == 2)
        // Setting the same stream again keeps its numbering.
        router.setRTX(RTXStream(ssrc: 0x5151, payloadType: 101, sequenceNumber: 7), publisherSSRC: video, subscriber: 1)
        #expect(router.track(ssrc: video)?.downTracks.first { $0.subscriber == 1 }?.rtx?.sequenceNumber == 1)
    }

    @Test("without RTX the retransmission is the media packet as the subscriber knew it")
    func nackPlain() {
        let clock = TestClock()
        let router = routed(clock)
        let batch = PacketBatch(capacity: 8)
        #expect(router.handleNACK(subscriber: 2, mediaSSRC: 22, pairs: RTCPGenericNACK.pairs(for: [1003]), into: batch, flush: { _ in }) == 1)
        let out = headers(in: batch)
        #expect(out.map(\.header.ssrc) == [22] && out.map(\.header.sequenceNumber) == [1003] && out[0].header.payloadType == 96)
        #expect(Array(UnsafeRawBufferPointer(batch.packet(at: 0))[out[0].header.payloadRange]) == vp8Payload(keyframe: false) + [UInt8(1003 & 0xFF)])
    }

    @Test("a packet as large as a slot allows goes out plain: RTX's 2 bytes do not eat the egress's trailer room")
    func fullSizedPacketFallsBack() {
        let clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, cacheSlots: 64))
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, now: clock.now)
        router.setRTX(RTXStream(ssrc: 0x5151, payloadType: 97), publisherSSRC: video, subscriber: 1)
        let batch = PacketBatch(capacity: 8, maximumPacketSize: 200, trailerRoom: 16)
        let big = rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true) + [UInt8](repeating: 9, count: 200 - 12 - 5))
        #expect(big.count == 200)
        _ = router.route(big, now: clock.now, batch: batch)
        batch.reset()
        #expect(router.handleNACK(subscriber: 1, mediaSSRC: 11, pairs: RTCPGenericNACK.pairs(for: [1]), into: batch, flush: { _ in }) == 1)
        #expect(headers(in: batch).map(\.header.ssrc) == [11])
        #expect(batch.length(at: 0) == 200)
    }
}
