import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// A simulcast group in the router (#16, `TrackTable+Simulcast`): three layer
/// tracks feed one group track; each subscriber gets one layer, switched
/// only on the target layer's keyframe, on one SSRC whose sequence numbers
/// and timestamps stay continuous across switches and wrap-arounds.
@Suite struct RouterSimulcastTests {
    static let group: UInt32 = 0x6000
    static let layerSSRCs: [UInt32] = [0x6001, 0x6002, 0x6003]
    /// A VP8 keyframe with its picture size (RFC 6386 §9.1): descriptor,
    /// frame tag (P bit clear), start code, 14-bit width and height.
    static func keyframe(width: Int, height: Int) -> [UInt8] {
        [0x10, 0x00, 0x00, 0x00, 0x9D, 0x01, 0x2A, UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8), 0xAA]
    }
    static let heights = [180, 360, 720]

    /// One publisher layer: its own sequence space (starting near the wrap) and timestamp base.
    struct Layer {
        var ssrc: UInt32
        var sequence: UInt16
        var timestamp: UInt32
    }

    final class Harness {
        var clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        let batch = PacketBatch(capacity: 16)
        var layers: [Layer]

        init() {
            router.addSimulcastGroup(RouterSimulcastTests.group, layers: RouterSimulcastTests.layerSSRCs)
            // Different bases per layer, each a few packets before its sequence wrap.
            layers = RouterSimulcastTests.layerSSRCs.enumerated().map { index, ssrc in
                Layer(ssrc: ssrc, sequence: 65_530 - UInt16(index * 3), timestamp: 4_294_960_000 &+ UInt32(index) * 123_456)
            }
        }

        /// One frame (one packet) on every layer, 1/30 s apart; returns each layer's result.
        @discardableResult
        func frame(keyframes: Set<Int> = []) -> [Router.RouteResult] {
            batch.reset()
            var results: [Router.RouteResult] = []
            for index in layers.indices {
                let payload = keyframes.contains(index)
                    ? RouterSimulcastTests.keyframe(width: RouterSimulcastTests.heights[index] * 16 / 9, height: RouterSimulcastTests.heights[index])
                    : vp8Payload(keyframe: false)
                results.append(router.route(
                    rtp(seq: layers[index].sequence, ts: layers[index].timestamp, ssrc: layers[index].ssrc, payload: payload),
                    now: clock.now, batch: batch))
                layers[index].sequence &+= 1
                layers[index].timestamp &+= 3_000
            }
            clock.advance(.milliseconds(33))
            return results
        }

        /// The (destination, header, payload's first byte after the descriptor) of each packet sent.
        var sent: [(destination: Int, header: RTPHeader)] { headers(in: batch) }
    }

    @Test("a subscriber gets one layer on its own SSRC; switching waits for the target layer's keyframe and asks for it")
    func keyframeGatedSwitch() {
        let h = Harness()
        #expect(h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now).added)
        #expect(h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now))
        // Nothing until layer 0's keyframe; layer 0's delta frames ask for one, the others do not.
        let before = h.frame()
        #expect(before.map(\.forwarded) == [0, 0, 0])
        #expect(before.map(\.requestKeyframe) == [true, false, false])
        #expect(before[0].publisherSSRC == Self.layerSSRCs[0])
        h.frame(keyframes: [1, 2])
        #expect(h.sent.isEmpty)
        h.frame(keyframes: [0])
        #expect(h.sent.map(\.header.ssrc) == [500])
        h.frame()
        #expect(h.sent.count == 1)
        // The layers' monitors learnt the sizes from the keyframes.
        #expect(h.router.layers(ofGroup: Self.group).map { $0.monitor.height } == [180, 360, 720])

        // Unlimited: retarget to 720p; layer 0 flows until layer 2's keyframe.
        h.router.setLayerConstraints(.unlimited, publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        let waiting = h.frame()
        #expect(waiting.map(\.forwarded) == [1, 0, 0])
        #expect(waiting[2].requestKeyframe)
        // Layer 0's packet of this frame still goes, then layer 2's keyframe.
        h.frame(keyframes: [2])
        #expect(h.sent.count == 2)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.current == 2)
        #expect(h.frame().map(\.forwarded) == [0, 0, 1])
    }

    @Test("sequence numbers and timestamps stay continuous across switches and the layers' wrap-arounds")
    func continuityAcrossSwitchesAndWrap() {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        var outputs: [RTPHeader] = []
        var switches: [UInt16] = []
        func run(_ frames: Int, keyframes: Set<Int> = []) {
            for i in 0..<frames {
                let results = h.frame(keyframes: i == 0 ? keyframes : [])
                outputs += h.sent.map(\.header)
                switches += results.map { $0.layerSwitches + $0.alignedLayerSwitches * 100 }
            }
        }
        run(6, keyframes: [0])  // layer 0 crosses its wrap (65 530 → 65 535 → 0)
        h.router.setLayerConstraints(.unlimited, publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        run(4, keyframes: [2])  // up to layer 2, which wraps meanwhile
        h.router.setLayerConstraints(.init(maxHeight: 360), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        run(4, keyframes: [1])  // down to layer 1
        // 6 on layer 0; the up-switch frame carries layer 0's packet and layer 2's
        // keyframe, then 3 on layer 2; the down-switch frame layer 1's keyframe, then 3.
        #expect(outputs.count == 15)
        #expect(Set(outputs.map(\.ssrc)) == [500])
        var steps: [UInt32] = []
        for (previous, next) in zip(outputs, outputs.dropFirst()) {
            #expect(next.sequenceNumber == previous.sequenceNumber &+ 1)
            steps.append(next.timestamp &- previous.timestamp)
        }
        // One frame (1/30 s = 3 000 ticks at 90 kHz) per packet on a layer; a switch
        // re-anchors on the wall time since the last packet sent (no sender reports here;
        // SwitchTimestampTests has them): 0 within the up-switch
        // frame (at least 1 tick, so the keyframe is a new frame), 33 ms = 2 970 ticks
        // on the down-switch.
        #expect(steps == Array(repeating: 3_000, count: 6) + [1] + Array(repeating: 3_000, count: 3) + [2_970]
            + Array(repeating: 3_000, count: 3))
        // The first packet keeps the publisher's own numbers; the subscriber's sequence wrapped too.
        #expect(outputs.first?.sequenceNumber == 65_530)
        // Two switches counted, neither aligned (the first packet is no switch).
        #expect(switches.reduce(0, +) == 2)
        #expect(outputs.contains { $0.sequenceNumber == 0 })
    }

    @Test("NACKs after a switch are answered from the right layer's cache, renumbered")
    func nackAcrossLayers() {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        h.frame(keyframes: [0])
        let onLayer0 = h.sent[0].header.sequenceNumber
        h.router.setLayerConstraints(.unlimited, publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        h.frame(keyframes: [2])
        let onLayer2 = h.sent[1].header.sequenceNumber
        h.batch.reset()
        let sent = h.router.handleNACK(
            subscriber: 1, mediaSSRC: 500, pairs: RTCPGenericNACK.pairs(for: [onLayer0, onLayer2]),
            into: h.batch, flush: { _ in Issue.record("flush") })
        #expect(sent == 2)
        #expect(h.sent.map(\.header.sequenceNumber) == [onLayer0, onLayer2])
        #expect(h.sent.map(\.header.ssrc) == [500, 500])
    }

    @Test("the group: keyframe requests go to its layers, it makes no report block, sender reports follow the layer")
    func feedback() {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        #expect(h.router.keyframeRequestSSRCs(for: Self.group) == Self.layerSSRCs)
        #expect(h.router.keyframeRequestSSRCs(for: Self.layerSSRCs[1]) == [Self.layerSSRCs[1]])
        h.frame(keyframes: [0, 1, 2])  // sizes learnt; the first layer seen is taken meanwhile
        h.router.setLayerConstraints(.init(maxHeight: 360), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        h.frame(keyframes: [1])
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.current == 1)
        // A subscriber's own PLI goes to the layer it gets; anything else to every layer.
        #expect(h.router.keyframeRequestSSRCs(for: Self.group, subscriber: 1) == [Self.layerSSRCs[1]])
        #expect(h.router.keyframeRequestSSRCs(for: Self.group, subscriber: 9) == Self.layerSSRCs)
        #expect(Set(h.router.makeReportBlocks(now: h.clock.now).map(\.ssrc)) == Set(Self.layerSSRCs))
        var relayed: [(Int, UInt32)] = []
        for ssrc in Self.layerSSRCs {
            h.router.handleSenderReport(
                RTCPSenderReport(ssrc: ssrc, ntpTimestamp: 1 << 32, rtpTimestamp: 0, packetCount: 1, octetCount: 1),
                now: h.clock.now) { relayed.append(($0, $1.ssrc)) }
        }
        #expect(relayed.count == 1)
        #expect(relayed.first?.0 == 1 && relayed.first?.1 == 500)
    }

    @Test("retargeting on the node's timer follows the publisher: a layer it stops is left for the best one still sent")
    func retargetFollowsActiveLayers() {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 2)
        // Layer 2 stops (the publisher's bandwidth fell): after the inactivity timeout, layer 1.
        h.layers.removeLast()
        for _ in 0..<31 { h.frame() }
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 1)
    }

    @Test("two subscribers of one track at 180p and 720p get different layers; raising the small one moves it up on a keyframe it asks for")
    func subscribersGetTheirTilesLayer() {
        let h = Harness()
        let (small, large): (Int, Int) = (1, 2)
        for (subscriber, ssrc) in [(small, UInt32(500)), (large, 501)] {
            #expect(h.router.addDownTrack(publisherSSRC: Self.group, subscriber: subscriber, ssrc: ssrc, now: h.clock.now).added)
        }
        h.frame(keyframes: [0, 1, 2])  // the sizes are learnt
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: Self.group, subscriber: small, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 720), publisherSSRC: Self.group, subscriber: large, now: h.clock.now)
        h.frame(keyframes: [0, 2])
        func current(_ subscriber: Int) -> Int? {
            h.router.track(ssrc: Self.group)?.downTracks.first { $0.subscriber == subscriber }?.layers.current
        }
        #expect(current(small) == 0 && current(large) == 2)
        let steady = h.frame()
        #expect(steady.map(\.forwarded) == [1, 0, 1], "one packet per subscriber, each from its own layer")
        #expect(Set(h.sent.map(\.header.ssrc)) == [500, 501])

        // The small tile grows: it stays on layer 0 until layer 2's keyframe, which it asks for.
        h.router.setLayerConstraints(.init(maxHeight: 720), publisherSSRC: Self.group, subscriber: small, now: h.clock.now)
        let waiting = h.frame()
        #expect(waiting.map(\.forwarded) == [1, 0, 1])
        #expect(waiting[2].requestKeyframe)
        h.frame(keyframes: [2])
        #expect(current(small) == 2)
        #expect(h.frame().map(\.forwarded) == [0, 0, 2])
    }

    @Test("a stalled top layer (silent 250 ms while the others flow) is left on the next retarget; all layers silent is not a stall")
    func stalledLayerLeftSooner() {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])
        for _ in 0..<30 { h.frame() }
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 2)
        // Everything silent for 600 ms (the publisher stalled): nothing moves.
        h.clock.advance(.milliseconds(600))
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 2)
        for _ in 0..<5 { h.frame() }
        // Layer 2 stops, 0 and 1 go on at 30 fps: 7 frames of theirs (231 ms) are not yet a stall, 9 (297 ms) are.
        let top = h.layers.removeLast()
        for _ in 0..<7 { h.frame() }
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 2)
        for _ in 0..<2 { h.frame() }
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 1)
        // It comes back: taken again (on its keyframe).
        h.layers.append(top)
        h.frame()
        h.router.retargetLayers(now: h.clock.now)
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 2)
    }
}
