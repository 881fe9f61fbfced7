import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// Packets lost before the node and retransmitted late by the publisher,
/// on VP8 down-tracks that drop temporal layers or switch simulcast layers
/// (review of session 15, fixed in session 16): the late packet fills the
/// number the subscriber kept for it, with its picture's values, or a
/// subscriber's NACK for that number gets them.
@Suite struct VP8LateRetransmissionTests {
    static let video: UInt32 = 0xD0D0

    /// (sequence, timestamp, picture ID, TL0PICIDX) of each packet in `batch`.
    static func sent(_ batch: PacketBatch) -> [(seq: UInt16, ts: UInt32, pid: UInt16, tl0: UInt8)] {
        (0..<batch.count).compactMap { index in
            sentFields(batch, at: index).map { ($0.header.sequenceNumber, $0.header.timestamp, $0.fields.pictureID, $0.fields.tl0PicIndex) }
        }
    }

    @Test("a packet lost before the node, retransmitted 36 frames later after drops and a lower target, fills its number with its picture's values")
    func lateRetransmissionAfterManyDrops() throws {
        var clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: Self.video, codec: .vp8, cacheSlots: 512))
        _ = router.addDownTrack(publisherSSRC: Self.video, subscriber: 1, ssrc: 11, now: clock.now)
        router.setTemporalLayer(1, publisherSSRC: Self.video, subscriber: 1)
        let batch = PacketBatch(capacity: 8)
        var sent: [(seq: UInt16, ts: UInt32, pid: UInt16, tl0: UInt8)] = []
        var lost: [UInt8] = []
        // L1T3 at 60 fps, two packets a frame (the second with the marker); frame 2's second packet is lost.
        for frame in 0..<46 {
            if frame == 38 { router.setTemporalLayer(0, publisherSSRC: Self.video, subscriber: 1) }
            let tid = [0, 2, 1, 2][frame % 4]
            for part in 0..<2 {
                var packet = rtp(
                    seq: UInt16(2_000 + frame * 2 + part), ts: UInt32(frame) * 1_500, ssrc: Self.video,
                    payload: vp8Payload(
                        pictureID: UInt16(700 + frame), tl0: UInt8(frame / 4), tid: tid, sync: true, start: part == 0,
                        keyframe: frame == 0 && part == 0))
                if part == 1 { packet[1] |= 0x80 }
                if frame == 2 && part == 1 {
                    lost = packet
                    continue
                }
                batch.reset()
                _ = router.route(packet, now: clock.now, batch: batch)
                sent += Self.sent(batch)
            }
            clock.advance(.microseconds(16_667))
        }
        // Forwarded: TID 0 and 1 frames up to 37 (19 pictures, one packet of frame 2), then TID 0 only.
        #expect(sent.count == 19 * 2 - 1 + 2 * 2)
        let frame2 = try #require(sent.first { $0.ts == 2 * 1_500 })
        // The subscriber's numbers skip exactly one: the one kept for the lost packet.
        let numbers = sent.map(\.seq)
        #expect(Set(numbers).count == numbers.count)
        #expect(!numbers.contains(frame2.seq &+ 1) && numbers.contains(frame2.seq &+ 2))
        // The retransmission comes now: 19 forwarded pictures and 20 skip segments later, TID 1 above the target.
        batch.reset()
        let result = router.route(lost, now: clock.now, batch: batch)
        #expect(result.forwarded == 1)
        let late = try #require(Self.sent(batch).first)
        #expect(late.seq == frame2.seq &+ 1)
        #expect(late.ts == frame2.ts && late.pid == frame2.pid && late.tl0 == frame2.tl0)
    }

    static let group: UInt32 = 0xE000
    static let layerSSRCs: [UInt32] = [0xE001, 0xE002]

    @Test("after a switch, a NACK for a number kept for a packet lost before it gets the packet with its frame's values; one with no frame to tell is refused and counted")
    func nackAfterSwitch() throws {
        var clock = TestClock()
        let router = Router.simulcastWithOneViewer(group: Self.group, layers: Self.layerSSRCs, now: clock.now)
        let batch = PacketBatch(capacity: 16)
        var sent: [(seq: UInt16, ts: UInt32, pid: UInt16, tl0: UInt8)] = []
        var held: [[UInt8]] = []
        var sequences: [UInt16] = [3_000, 50_000]
        /// Layer 0: two packets a frame (15-bit IDs from 1 000); layer 1: one (7-bit IDs from 10).
        func frame(_ n: Int, keyframes: Set<Int> = [], lose: Set<Int> = []) {
            batch.reset()
            for layer in 0..<2 {
                for part in 0..<(layer == 0 ? 2 : 1) {
                    let packet = rtp(
                        seq: sequences[layer], ts: UInt32(n) * 3_000 + UInt32(layer) * 999, ssrc: Self.layerSSRCs[layer],
                        payload: vp8Payload(
                            pictureID: layer == 0 ? UInt16(1_000 + n) : UInt16(10 + n), long: layer == 0, tl0: UInt8(n),
                            tid: 0, start: part == 0, keyframe: keyframes.contains(layer) && part == 0,
                            height: [180, 720][layer]))
                    sequences[layer] &+= 1
                    if layer == 0 && lose.contains(part) {
                        held.append(packet)
                        continue
                    }
                    _ = router.route(packet, now: clock.now, batch: batch)
                }
            }
            sent += Self.sent(batch)
            clock.advance(.milliseconds(33))
        }
        frame(0, keyframes: [0, 1])
        frame(1, lose: [0, 1])  // frame 1 of layer 0 lost whole
        frame(2)
        frame(3, lose: [1])  // frame 3's second packet lost
        router.setLayerConstraints(.unlimited, publisherSSRC: Self.group, subscriber: 1, now: clock.now)
        frame(4, keyframes: [1])  // layer 0's frame 4, then the switch to layer 1
        #expect(router.track(ssrc: Self.group)?.downTracks.first?.layers.current == 1)
        // The publisher's retransmissions come after the switch: cached, not forwarded (layer 0 is left).
        batch.reset()
        for packet in held { #expect(router.route(packet, now: clock.now, batch: batch).forwarded == 0) }
        // Layer 0's packets sent: frame 0 (2), 2 (2), 3 (1), 4 (2); the numbers kept: 2 for frame 1, 1 for frame 3.
        let frame3 = try #require(sent.first { $0.ts == 3 * 3_000 })
        let frame1Numbers = [frame3.seq &- 4, frame3.seq &- 3]
        #expect(sent.first { $0.ts == 0 }.map { $0.seq &+ 2 } == frame1Numbers[0])
        batch.reset()
        let resent = router.handleNACK(
            subscriber: 1, mediaSSRC: 500, pairs: RTCPGenericNACK.pairs(for: frame1Numbers + [frame3.seq &+ 1]), into: batch,
            flush: { _ in Issue.record("flush") })
        #expect(resent == 1)
        let repeated = try #require(Self.sent(batch).first)
        #expect(repeated.seq == frame3.seq &+ 1)
        #expect(repeated.ts == frame3.ts && repeated.pid == frame3.pid && repeated.tl0 == frame3.tl0)
        // Frame 1's numbers: no packet of its picture went out, so its values are unknown.
        #expect(router.refusedRetransmissions == 2)
    }
}
