import Testing
@testable import MeetSFU

/// Keyframe requests of a simulcast group go to the layers its down-tracks
/// need (simulcast-status "Not done" 4, session 16), not to every layer.
@Suite struct KeyframeRequestLayerTests {
    typealias Simulcast = RouterSimulcastTests

    @Test("a join on the low layer asks only that layer; a resume its own layer; a held PLI, when released, the layer of who asked")
    func requestsPerLayer() {
        let h = Simulcast.Harness()
        let group = Simulcast.group
        let layers = Simulcast.layerSSRCs
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])  // sizes learnt
        h.router.setLayerConstraints(.unlimited, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        h.frame(keyframes: [2])
        #expect(h.router.track(ssrc: group)?.downTracks.first?.layers.current == 2)
        #expect(h.router.keyframeRequestSSRCs(for: group) == layers, "nobody waits: every layer, as before")

        // A second viewer joins with a small tile: the join's request goes to layer 0 only.
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 2, ssrc: 501, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: group, subscriber: 2, now: h.clock.now)
        #expect(h.router.keyframeRequestSSRCs(for: group) == [layers[0]])
        h.frame(keyframes: [0])
        #expect(h.router.track(ssrc: group)?.downTracks.last?.layers.current == 0)

        // Viewer 1 paused and resumed: its layer, 2.
        h.router.setPaused(true, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        h.router.setPaused(false, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        #expect(h.router.keyframeRequestSSRCs(for: group) == [layers[2]])
        h.frame(keyframes: [2])

        // Viewer 1's PLI goes out at once (to layer 2); viewer 2's right after is held, then released to layer 0.
        h.clock.advance(.seconds(1))
        #expect(h.router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 500, now: h.clock.now) == group)
        #expect(h.router.keyframeRequestSSRCs(for: group, subscriber: 1) == [layers[2]])
        #expect(h.router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 501, now: h.clock.now) == nil)
        h.clock.advance(.milliseconds(600))
        var released: [[UInt32]] = []
        var scratch: [UInt16] = []
        h.router.collectUpstreamFeedback(now: h.clock.now, scratch: &scratch, nack: { _, _ in }) { ssrc in
            if ssrc == group { released.append(h.router.keyframeRequestSSRCs(for: ssrc)) }
        }
        #expect(released == [[layers[0]]])
    }

    @Test("a keyframe on another layer does not answer a held PLI: released to its layer; its own layer's keyframe answers it")
    func heldRequestOutlivesAnotherLayersKeyframe() {
        let h = Simulcast.Harness()
        let group = Simulcast.group
        let layers = Simulcast.layerSSRCs
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 1, ssrc: 500, now: h.clock.now)
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 2, ssrc: 501, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])  // sizes learnt
        h.router.setLayerConstraints(.unlimited, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: group, subscriber: 2, now: h.clock.now)
        h.frame(keyframes: [0, 2])
        #expect(h.router.track(ssrc: group)?.downTracks.first?.layers.current == 2)
        #expect(h.router.track(ssrc: group)?.downTracks.last?.layers.current == 0)
        func released() -> [[UInt32]] { Self.released(h) }

        // Viewer 1's PLI goes out (layer 2); viewer 2's 100 ms later is held; layer 2's keyframe comes.
        h.clock.advance(.seconds(1))
        _ = released()
        #expect(h.router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 500, now: h.clock.now) == group)
        h.clock.advance(.milliseconds(100))
        #expect(h.router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 501, now: h.clock.now) == nil)
        h.frame(keyframes: [2])
        h.clock.advance(.milliseconds(500))
        #expect(released() == [[layers[0]]], "viewer 2's request still goes out, to its layer")

        // Again, and this time layer 0's keyframe comes: it answers the held request.
        h.clock.advance(.seconds(1))
        #expect(h.router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 500, now: h.clock.now) == group)
        h.clock.advance(.milliseconds(100))
        #expect(h.router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 501, now: h.clock.now) == nil)
        h.frame(keyframes: [0])
        h.clock.advance(.milliseconds(500))
        #expect(released().isEmpty)
    }

    @Test("a held PLI of a subscriber with no layer yet is answered by any layer's keyframe, not released to every layer")
    func heldRequestWithoutATargetTakesAnyKeyframe() {
        let h = Simulcast.Harness()
        let group = Simulcast.group
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])  // sizes learnt
        h.router.setLayerConstraints(.unlimited, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        h.frame(keyframes: [2])
        #expect(h.router.track(ssrc: group)?.downTracks.first?.layers.current == 2)
        func released() -> [[UInt32]] { Self.released(h) }
        h.clock.advance(.seconds(1))
        _ = released()
        // Viewer 1's PLI goes out; viewer 2 joins (no layer yet) and its PLI 100 ms later is held.
        #expect(h.router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 500, now: h.clock.now) == group)
        h.clock.advance(.milliseconds(100))
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 2, ssrc: 501, now: h.clock.now)
        #expect(h.router.track(ssrc: group)?.downTracks.last?.layers.current == nil)
        #expect(h.router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 501, now: h.clock.now) == nil)
        // Layer 2's keyframe answers both: nothing is released afterwards.
        h.frame(keyframes: [2])
        h.clock.advance(.milliseconds(500))
        #expect(released().isEmpty)
    }

    /// The group's keyframe requests the router's upstream feedback releases now: the SSRCs each goes to.
    static func released(_ h: Simulcast.Harness) -> [[UInt32]] {
        var scratch: [UInt16] = []
        var requests: [[UInt32]] = []
        h.router.collectUpstreamFeedback(now: h.clock.now, scratch: &scratch, nack: { _, _ in }) { ssrc in
            if ssrc == Simulcast.group { requests.append(h.router.keyframeRequestSSRCs(for: ssrc)) }
        }
        return requests
    }
}
