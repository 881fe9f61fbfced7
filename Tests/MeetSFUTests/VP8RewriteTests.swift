import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// A VP8 payload with a full descriptor (RFC 7741 §4.2): picture ID (15- or
/// 7-bit), TL0PICIDX, TID and Y when given; then the frame tag (P bit clear
/// for a keyframe) and, for a keyframe of a known size, its start code and size.
func vp8Payload(
    pictureID: UInt16, long: Bool = true, tl0: UInt8? = nil, tid: Int? = nil, sync: Bool = false,
    start: Bool = true, keyframe: Bool = false, height: Int? = nil
) -> [UInt8] {
    var x: UInt8 = 0x80
    if tl0 != nil { x |= 0x40 }
    if tid != nil { x |= 0x20 }
    var bytes: [UInt8] = [0x80 | (start ? 0x10 : 0x00), x]
    if long {
        bytes += [0x80 | UInt8(pictureID >> 8 & 0x7F), UInt8(pictureID & 0xFF)]
    } else {
        bytes.append(UInt8(pictureID & 0x7F))
    }
    if let tl0 { bytes.append(tl0) }
    if let tid { bytes.append(UInt8(tid) << 6 | (sync ? 0x20 : 0x00)) }
    if keyframe, let height {
        let width = height * 16 / 9
        bytes += [0x00, 0x00, 0x00, 0x9D, 0x01, 0x2A, UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8)]
    } else {
        bytes += [keyframe ? 0x00 : 0x01, 0x00, 0x00]
    }
    return bytes + [0xAA]
}

/// The descriptor fields of a sent packet (the batch's `index`-th), and for an RTX packet those after its OSN.
func sentFields(_ batch: PacketBatch, at index: Int) -> (header: RTPHeader, fields: VP8DescriptorFields)? {
    let bytes = UnsafeRawBufferPointer(batch.packet(at: index))
    guard let header = try? RTPHeader(parsing: bytes) else { return nil }
    var payload = header.payloadRange
    if let original = RTXPacket.original(of: header, in: bytes), header.payloadType == 101 { payload = original.payload }
    guard let fields = VP8DescriptorFields(payload: UnsafeRawBufferPointer(rebasing: bytes[payload])) else { return nil }
    return (header, fields)
}

@Suite struct VP8DescriptorFieldsTests {
    @Test("15-bit picture ID, TL0PICIDX, TID and Y read with their offsets; rewritten in place, same length")
    func fifteenBit() throws {
        var payload: [UInt8] = [0x90, 0xE0, 0x92, 0x34, 0x05, 0x60, 0x00, 0x9D]
        let fields = try #require(VP8DescriptorFields(payload: payload))
        #expect(fields.pictureID == 0x1234 && fields.pictureIDIs15Bit && fields.pictureIDOffset == 2)
        #expect(fields.tl0PicIndex == 5 && fields.tl0PicIndexOffset == 4)
        #expect(fields.temporalLayer == 1 && fields.layerSync)
        #expect(fields.startsFrame && fields.isKeyframe)
        payload.withUnsafeMutableBytes { fields.write(pictureID: 0x7FFF, tl0PicIndex: 0xFF, into: $0) }
        #expect(payload == [0x90, 0xE0, 0xFF, 0xFF, 0xFF, 0x60, 0x00, 0x9D])
        // The general parser agrees.
        let parsed = try VP8PayloadDescriptor(parsing: payload)
        #expect(parsed.pictureID == 0x7FFF && parsed.pictureIDIs15Bit && parsed.tl0PicIndex == 0xFF && parsed.length == 6)
    }

    @Test("7-bit picture ID keeps its form (M clear, low 7 bits); no TID; not a frame start")
    func sevenBit() throws {
        var payload: [UInt8] = [0x80, 0xC0, 0x7F, 0x09, 0x01]
        let fields = try #require(VP8DescriptorFields(payload: payload))
        #expect(fields.pictureID == 127 && !fields.pictureIDIs15Bit && fields.pictureIDModulus == 128)
        #expect(fields.tl0PicIndex == 9 && !fields.hasTemporalLayer && !fields.startsFrame && !fields.isKeyframe)
        payload.withUnsafeMutableBytes { fields.write(pictureID: 128 + 3, tl0PicIndex: 0, into: $0) }
        #expect(payload == [0x80, 0xC0, 0x03, 0x00, 0x01])
    }

    @Test("no extension: nothing to rewrite; a truncated descriptor reads as nil")
    func absentAndTruncated() throws {
        let plain = try #require(VP8DescriptorFields(payload: [0x10, 0x00, 0x00]))
        #expect(!plain.hasPictureID && !plain.hasTL0PicIndex && !plain.hasTemporalLayer && plain.isKeyframe)
        #expect(VP8DescriptorFields(payload: [0x90, 0xE0, 0x92]) == nil)
        #expect(VP8DescriptorFields(payload: [0x90, 0xE0, 0x92, 0x34, 0x05]) == nil)
        #expect(VP8DescriptorFields(payload: []) == nil)
    }
}

@Suite struct VP8MungerTests {
    private func rewrite(_ munger: inout VP8Munger, _ payload: [UInt8], anchors: Int) -> (UInt16, UInt8) {
        let fields = VP8DescriptorFields(payload: payload)!
        let out = munger.rewrite(fields, anchors: anchors)
        return (out.pictureID, out.tl0PicIndex)
    }

    @Test("15-bit wrap and TL0PICIDX wrap stay continuous; a new anchor (another layer's ids) goes on at last + 1")
    func fifteenBitAnchors() {
        var munger = VP8Munger(historySlots: 16)
        var seen: [(UInt16, UInt8)] = []
        for (i, id) in [UInt16(32_766), 32_767, 0].enumerated() {
            seen.append(rewrite(&munger, vp8Payload(pictureID: id, tl0: 254 &+ UInt8(i), tid: 0), anchors: 1))
        }
        // The next frame comes from another layer: its own ids (500, TL0 17).
        seen.append(rewrite(&munger, vp8Payload(pictureID: 500, tl0: 17, tid: 0, keyframe: true), anchors: 2))
        seen.append(rewrite(&munger, vp8Payload(pictureID: 501, tl0: 17, tid: 1), anchors: 2))
        seen.append(rewrite(&munger, vp8Payload(pictureID: 502, tl0: 18, tid: 0), anchors: 2))
        #expect(seen.map(\.0) == [32_766, 32_767, 0, 1, 2, 3])
        #expect(seen.map(\.1) == [254, 255, 0, 1, 1, 2])
    }

    @Test("7-bit ids wrap at 128 in their own form; a reordered packet of the previous picture keeps its value")
    func sevenBitAndReorder() {
        var munger = VP8Munger(historySlots: 16)
        var ids: [UInt16] = []
        for id in [UInt16(126), 127, 0, 1] {
            ids.append(rewrite(&munger, vp8Payload(pictureID: id, long: false, tid: 0), anchors: 1).0)
        }
        #expect(ids == [126, 127, 0, 1])
        // A late packet of picture 0, then the anchor moves to a 15-bit layer at 9 000.
        #expect(rewrite(&munger, vp8Payload(pictureID: 0, long: false, start: false), anchors: 1).0 == 0)
        #expect(rewrite(&munger, vp8Payload(pictureID: 9_000, keyframe: true), anchors: 2).0 == 2)
    }

    /// The admit decision and, when forwarded, the rewritten picture ID of one packet.
    private func pass(_ munger: inout VP8Munger, _ payload: [UInt8]) -> UInt16? {
        let fields = VP8DescriptorFields(payload: payload)!
        guard munger.admits(fields) else { return nil }
        return munger.rewrite(fields, anchors: 1).pictureID
    }

    @Test("a late packet of a dropped picture, after the next dropped one started, does not close the gap twice")
    func lateDroppedPacketCountsOnce() {
        var munger = VP8Munger(historySlots: 16)
        munger.setTargetTemporalLayer(0)
        #expect(pass(&munger, vp8Payload(pictureID: 100, tl0: 1, tid: 0, keyframe: true)) == 100)
        #expect(pass(&munger, vp8Payload(pictureID: 101, tl0: 1, tid: 2, sync: true)) == nil)
        #expect(pass(&munger, vp8Payload(pictureID: 102, tl0: 1, tid: 1, sync: true)) == nil)
        // Picture 101's second packet comes late, after 102 started.
        #expect(pass(&munger, vp8Payload(pictureID: 101, tl0: 1, tid: 2, start: false)) == nil)
        #expect(pass(&munger, vp8Payload(pictureID: 103, tl0: 1, tid: 2)) == nil)
        // The next picture forwarded is the one after 100, not 100 again.
        #expect(pass(&munger, vp8Payload(pictureID: 104, tl0: 2, tid: 0)) == 101)
    }

    @Test("a late packet of an older forwarded picture, after drops, gets the ID its picture went out with")
    func lateRetransmissionKeepsItsPictureID() {
        var munger = VP8Munger(historySlots: 16)
        munger.setTargetTemporalLayer(0)
        var forwarded: [UInt16?] = []
        for id in UInt16(100)...108 {
            let tid = [0, 2, 1, 2][Int(id - 100) % 4]
            forwarded.append(pass(&munger, vp8Payload(pictureID: id, tl0: UInt8(id / 4), tid: tid, keyframe: id == 100)))
        }
        #expect(forwarded == [100, nil, nil, nil, 101, nil, nil, nil, 102])
        // Picture 100's last packet, retransmitted by the publisher, comes now: 100 as before, not 100 − 6.
        #expect(pass(&munger, vp8Payload(pictureID: 100, tl0: 25, tid: 0, start: false)) == 100)
        #expect(pass(&munger, vp8Payload(pictureID: 104, tl0: 26, tid: 0, start: false)) == 101)
    }

    @Test("a lower target does not cut a forwarded frame: its late packet follows the frame's decision")
    func lateForwardedPacketFollowsItsFrame() {
        var munger = VP8Munger(historySlots: 16)
        #expect(pass(&munger, vp8Payload(pictureID: 300, tl0: 5, tid: 0, keyframe: true)) == 300)
        #expect(pass(&munger, vp8Payload(pictureID: 301, tl0: 5, tid: 2, sync: true)) == 301)
        munger.setTargetTemporalLayer(1)
        // Picture 302 (TID 1) starts: the target is applied; picture 301's last packet comes after it.
        #expect(pass(&munger, vp8Payload(pictureID: 302, tl0: 5, tid: 1, sync: true)) == 302)
        #expect(pass(&munger, vp8Payload(pictureID: 301, tl0: 5, tid: 2, start: false)) == 301)
        // The next TID 2 picture is dropped, and the one after it goes on gapless.
        #expect(pass(&munger, vp8Payload(pictureID: 303, tl0: 5, tid: 2)) == nil)
        #expect(pass(&munger, vp8Payload(pictureID: 304, tl0: 6, tid: 0)) == 303)
    }
}

/// A VP8 track whose publisher sends three temporal layers (L1T3: TID 0, 2,
/// 1, 2, …; Y on the first TID 1 and TID 2 frames after each TID 0), two
/// packets a frame, picture IDs near their 15-bit wrap, TL0PICIDX near its 8-bit wrap.
@Suite struct VP8TemporalLayerTests {
    static let video: UInt32 = 0xC0C0
    static let tids = [0, 2, 1, 2]

    final class Harness {
        var clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        let batch = PacketBatch(capacity: 16)
        var frame = 0
        var sequence: UInt16 = 65_500
        /// (RTP timestamp, sequence, picture ID, TL0PICIDX) of each packet sent to subscriber 1.
        var sent: [(ts: UInt32, seq: UInt16, pid: UInt16, tl0: UInt8)] = []

        init(rtx: Bool = false) {
            router.addTrack(TrackConfiguration(ssrc: VP8TemporalLayerTests.video, codec: .vp8, cacheSlots: 128))
            _ = router.addDownTrack(publisherSSRC: VP8TemporalLayerTests.video, subscriber: 1, ssrc: 11, now: clock.now)
            if rtx {
                router.setRTX(RTXStream(ssrc: 0x5151, payloadType: 101, sequenceNumber: 7), publisherSSRC: VP8TemporalLayerTests.video, subscriber: 1)
            }
        }

        /// The next frame: two packets, the first starting it.
        func next() {
            let tid = VP8TemporalLayerTests.tids[frame % 4]
            let pid = UInt16((32_760 + frame) % 32_768)
            let tl0 = UInt8(truncatingIfNeeded: 254 + frame / 4)
            for part in 0..<2 {
                batch.reset()
                let payload = vp8Payload(
                    pictureID: pid, tl0: tl0, tid: tid, sync: frame % 4 != 3, start: part == 0,
                    keyframe: frame == 0 && part == 0)
                _ = router.route(
                    rtp(seq: sequence, ts: UInt32(frame) * 3_000, ssrc: VP8TemporalLayerTests.video, payload: payload),
                    now: clock.now, batch: batch)
                sequence &+= 1
                for index in 0..<batch.count {
                    if let out = sentFields(batch, at: index) {
                        sent.append((out.header.timestamp, out.header.sequenceNumber, out.fields.pictureID, out.fields.tl0PicIndex))
                    }
                }
            }
            frame += 1
            clock.advance(.milliseconds(33))
        }

        func set(_ layer: Int?) {
            #expect(router.setTemporalLayer(layer, publisherSSRC: VP8TemporalLayerTests.video, subscriber: 1))
        }

        var sentFrames: [Int] { stride(from: 0, to: sent.count, by: 2).map { Int(sent[$0].ts / 3_000) } }
        var munger: VP8Munger? { router.track(ssrc: VP8TemporalLayerTests.video)?.downTracks.first?.vp8 }
    }

    @Test("frames above the target are dropped; up only on a Y frame, down at the next frame; sequence and picture IDs stay gapless, timestamps untouched")
    func dropsAndSwitches() {
        let h = Harness()
        h.set(1)
        for _ in 0..<7 { h.next() }  // frames 0–6 at TID ≤ 1
        h.set(nil)
        for _ in 7..<12 { h.next() }  // 7 (TID 2 without Y) waits; 9 (TID 2, Y) switches up
        h.set(0)
        for _ in 12..<16 { h.next() }  // 12 (TID 0) goes; 13–15 dropped at once
        #expect(h.sentFrames == [0, 2, 4, 6, 8, 9, 10, 11, 12])
        // Each frame's two packets; consecutive sequence numbers across the drops and the wrap.
        for (previous, next) in zip(h.sent, h.sent.dropFirst()) {
            #expect(next.seq == previous.seq &+ 1)
        }
        #expect(h.sent.first?.seq == 65_500)
        // Picture IDs one per forwarded frame, consecutive across the 15-bit wrap.
        let pictureIDs = stride(from: 0, to: h.sent.count, by: 2).map { h.sent[$0].pid }
        #expect(pictureIDs == [32_760, 32_761, 32_762, 32_763, 32_764, 32_765, 32_766, 32_767, 0])
        for frame in stride(from: 0, to: h.sent.count, by: 2) {
            #expect(h.sent[frame].pid == h.sent[frame + 1].pid, "both packets of a frame")
        }
        // TL0PICIDX untouched by temporal drops (TID 0 frames all pass), wrapping 255 → 0.
        #expect(stride(from: 0, to: h.sent.count, by: 2).map { h.sent[$0].tl0 } == [254, 254, 255, 255, 0, 0, 0, 0, 1])
        #expect(h.munger?.droppedPictures == 7)
        #expect(h.munger?.currentTemporalLayer == 0)
    }

    @Test("a dropped frame's packet lost before the node leaves no gap: the next forwarded frame follows the last one sent")
    func lossInsideADroppedFrame() {
        let router = Router(maximumSubscribersPerTrack: 8)
        let clock = TestClock()
        router.addTrack(TrackConfiguration(ssrc: Self.video, codec: .vp8, cacheSlots: 64))
        _ = router.addDownTrack(publisherSSRC: Self.video, subscriber: 1, ssrc: 11, now: clock.now)
        router.setTemporalLayer(0, publisherSSRC: Self.video, subscriber: 1)
        let batch = PacketBatch(capacity: 4)
        var sent: [(seq: UInt16, pid: UInt16)] = []
        // (sequence, picture, TID, frame start, marker): frames of two packets, L1T3 order.
        let packets: [(UInt16, UInt16, Int, Bool, Bool)] = [
            (100, 40, 0, true, false), (101, 40, 0, false, true),
            (102, 41, 2, true, false),  // 103, its last packet, is lost before the node
            (104, 42, 1, true, false), (105, 42, 1, false, true),
            (106, 43, 2, true, false), (107, 43, 2, false, true),
            (108, 44, 0, true, false), (109, 44, 0, false, true),
            (103, 41, 2, false, true),  // the publisher's retransmission comes late: still dropped
            (110, 45, 2, true, false),
        ]
        for (seq, pid, tid, start, marker) in packets {
            batch.reset()
            var packet = rtp(
                seq: seq, ts: UInt32(pid) * 3_000, ssrc: Self.video,
                payload: vp8Payload(pictureID: pid, tl0: 9, tid: tid, sync: true, start: start, keyframe: pid == 40 && start))
            if marker { packet[1] |= 0x80 }
            _ = router.route(packet, now: clock.now, batch: batch)
            for index in 0..<batch.count {
                if let out = sentFields(batch, at: index) { sent.append((out.header.sequenceNumber, out.fields.pictureID)) }
            }
        }
        #expect(sent.map(\.pid) == [40, 40, 41, 41])
        #expect(sent.map(\.seq) == [100, 101, 102, 103], "no number left for the lost packet")
    }

    @Test("a publisher without TIDs is forwarded whole whatever the target; its picture IDs pass unchanged")
    func withoutTIDs() {
        let router = Router(maximumSubscribersPerTrack: 8)
        let clock = TestClock()
        router.addTrack(TrackConfiguration(ssrc: Self.video, codec: .vp8))
        _ = router.addDownTrack(publisherSSRC: Self.video, subscriber: 1, ssrc: 11, now: clock.now)
        router.setTemporalLayer(0, publisherSSRC: Self.video, subscriber: 1)
        let batch = PacketBatch(capacity: 4)
        var ids: [UInt16] = []
        for i in 0..<4 {
            batch.reset()
            let result = router.route(
                rtp(seq: UInt16(10 + i), ts: UInt32(i) * 3_000, ssrc: Self.video, payload: vp8Payload(pictureID: UInt16(40 + i), keyframe: i == 0)),
                now: clock.now, batch: batch)
            #expect(result.forwarded == 1)
            ids += (0..<batch.count).compactMap { sentFields(batch, at: $0)?.fields.pictureID }
        }
        #expect(ids == [40, 41, 42, 43])
    }

    @Test("a NACKed packet after temporal drops is repeated over RTX with the timestamp, picture ID and TL0PICIDX first sent")
    func retransmissionKeepsRewrittenValues() throws {
        let h = Harness(rtx: true)
        h.set(0)
        for _ in 0..<9 { h.next() }  // frames 0, 4, 8 go
        #expect(h.sentFrames == [0, 4, 8])
        let wanted = [h.sent[3], h.sent[4]]  // frame 4's second packet, frame 8's first
        h.batch.reset()
        let count = h.router.handleNACK(
            subscriber: 1, mediaSSRC: 11, pairs: RTCPGenericNACK.pairs(for: wanted.map(\.seq)), into: h.batch,
            flush: { _ in Issue.record("flush") })
        #expect(count == 2)
        for (index, original) in wanted.enumerated() {
            let (header, fields) = try #require(sentFields(h.batch, at: index))
            #expect(header.ssrc == 0x5151 && header.payloadType == 101)
            let bytes = UnsafeRawBufferPointer(h.batch.packet(at: index))
            #expect(RTXPacket.original(of: header, in: bytes)?.sequenceNumber == original.seq)
            #expect(header.timestamp == original.ts)
            #expect(fields.pictureID == original.pid && fields.tl0PicIndex == original.tl0)
        }
        #expect(wanted.map(\.pid) == [32_761, 32_762])
    }
}

/// Picture IDs across a spatial switch: each simulcast layer has its own
/// picture-id and TL0PICIDX space; the subscriber sees last + 1 on the
/// switch's keyframe, and a NACK from either side of the switch is answered
/// with what was sent.
@Suite struct VP8SimulcastRewriteTests {
    static let group: UInt32 = 0x7000
    static let layerSSRCs: [UInt32] = [0x7001, 0x7002]
    static let heights = [180, 720]

    @Test("a switch lands on the keyframe as picture ID last + 1, TL0PICIDX last + 1; NACKs around it get the sent values")
    func switchContinuity() throws {
        var clock = TestClock()
        let router = Router.simulcastWithOneViewer(group: Self.group, layers: Self.layerSSRCs, now: clock.now)
        let batch = PacketBatch(capacity: 16)
        // Layer 0: ids from 32 765 (15-bit), TL0 250; layer 1: 7-bit ids from 100, TL0 3.
        var pictureIDs: [UInt16] = [32_765, 100]
        var tl0s: [UInt8] = [250, 3]
        var sequences: [UInt16] = [1_000, 40_000]
        var sent: [(seq: UInt16, ts: UInt32, pid: UInt16, tl0: UInt8)] = []
        func frame(_ n: Int, keyframes: Set<Int> = []) {
            batch.reset()
            for layer in 0..<2 {
                let payload = vp8Payload(
                    pictureID: pictureIDs[layer], long: layer == 0, tl0: tl0s[layer], tid: 0,
                    keyframe: keyframes.contains(layer), height: Self.heights[layer])
                _ = router.route(
                    rtp(seq: sequences[layer], ts: UInt32(n) * 3_000 + UInt32(layer) * 777, ssrc: Self.layerSSRCs[layer], payload: payload),
                    now: clock.now, batch: batch)
                pictureIDs[layer] = layer == 0 ? (pictureIDs[layer] + 1) % 32_768 : (pictureIDs[layer] + 1) % 128
                tl0s[layer] &+= 1
                sequences[layer] &+= 1
            }
            for index in 0..<batch.count {
                if let out = sentFields(batch, at: index) {
                    sent.append((out.header.sequenceNumber, out.header.timestamp, out.fields.pictureID, out.fields.tl0PicIndex))
                }
            }
            clock.advance(.milliseconds(33))
        }
        frame(0, keyframes: [0, 1])
        for n in 1..<5 { frame(n) }
        router.setLayerConstraints(.unlimited, publisherSSRC: Self.group, subscriber: 1, now: clock.now)
        frame(5)
        frame(6, keyframes: [1])
        for n in 7..<9 { frame(n) }
        #expect(router.track(ssrc: Self.group)?.downTracks.first?.layers.current == 1)
        // Layer 0 for frames 0–6 (its packet of frame 6 comes before layer 1's keyframe), then layer 1.
        #expect(sent.count == 10)
        #expect(sent.map(\.pid) == [32_765, 32_766, 32_767, 0, 1, 2, 3, 4, 5, 6])
        #expect(sent.map(\.tl0) == [250, 251, 252, 253, 254, 255, 0, 1, 2, 3])
        for (previous, next) in zip(sent, sent.dropFirst()) { #expect(next.seq == previous.seq &+ 1) }

        // NACK the last packet of layer 0 and the first of layer 1 (plain: no RTX here).
        batch.reset()
        #expect(router.handleNACK(
            subscriber: 1, mediaSSRC: 500, pairs: RTCPGenericNACK.pairs(for: [sent[6].seq, sent[7].seq]), into: batch,
            flush: { _ in }) == 2)
        for (index, original) in [sent[6], sent[7]].enumerated() {
            let (header, fields) = try #require(sentFields(batch, at: index))
            #expect(header.sequenceNumber == original.seq && header.timestamp == original.ts)
            #expect(fields.pictureID == original.pid && fields.tl0PicIndex == original.tl0)
        }
        // Layer 1's 7-bit form is kept.
        #expect(try #require(sentFields(batch, at: 1)).fields.pictureIDIs15Bit == false)
    }
}
