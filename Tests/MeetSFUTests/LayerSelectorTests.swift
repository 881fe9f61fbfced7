import Testing
@testable import MeetSFU

/// ``LayerSelector`` and ``LayerMonitor`` alone: which layer a subscriber
/// targets, and the keyframe gating of a switch (#16 item 2).
@Suite struct LayerSelectorTests {
    typealias Layer = LayerSelector.Layer

    /// Chrome's three layers at 320×180, 640×360, 1280×720.
    let layers = [
        Layer(isActive: true, bitrate: 150_000, height: 180),
        Layer(isActive: true, bitrate: 500_000, height: 360),
        Layer(isActive: true, bitrate: 1_700_000, height: 720),
    ]

    @Test("the target is the best active layer that fits the size and the bitrate, else the lowest active one")
    func chooses() {
        #expect(LayerSelector.choose(layers: layers, constraints: .unlimited) == 2)
        #expect(LayerSelector.choose(layers: layers, constraints: .init(maxHeight: 360)) == 1)
        #expect(LayerSelector.choose(layers: layers, constraints: .init(maxHeight: 200)) == 0)
        #expect(LayerSelector.choose(layers: layers, constraints: .init(availableBitrate: 600_000)) == 1)
        // Nothing fits: the lowest active layer still (pausing is the allocator's call).
        #expect(LayerSelector.choose(layers: layers, constraints: .init(maxHeight: 90, availableBitrate: 10_000)) == 0)
        // The publisher stopped the top layer (its bandwidth fell): the next one.
        var stopped = layers
        stopped[2].isActive = false
        #expect(LayerSelector.choose(layers: stopped, constraints: .unlimited) == 1)
        stopped[0].isActive = false
        stopped[1].isActive = false
        #expect(LayerSelector.choose(layers: stopped, constraints: .unlimited) == nil)
        // Sizes unknown (H.264, or before a keyframe): ranked by bitrate, order in the SDP ignored.
        let unsized = [Layer(isActive: true, bitrate: 1_700_000), Layer(isActive: true, bitrate: 150_000)]
        #expect(LayerSelector.choose(layers: unsized, constraints: .unlimited) == 0)
        #expect(LayerSelector.choose(layers: unsized, constraints: .init(availableBitrate: 200_000)) == 1)
    }

    @Test("a switch waits for a keyframe of the target; the current layer flows meanwhile")
    func keyframeGating() {
        var selector = LayerSelector(constraints: .init(maxHeight: 180))
        expectTrue(selector.retarget(layers: layers))
        #expect(selector.target == 0 && selector.current == nil)
        // Nothing before the target's keyframe; only the target's packets ask for one.
        expectEqual(selector.packet(layer: 0, isKeyframe: { false }), .drop(needKeyframe: true))
        expectEqual(selector.packet(layer: 2, isKeyframe: { Issue.record("not asked"); return true }), .drop(needKeyframe: false))
        expectEqual(selector.packet(layer: 0, isKeyframe: { true }), .switchLayer)
        expectEqual(selector.packet(layer: 0, isKeyframe: { Issue.record("not asked"); return false }), .forward)
        // Up to 720p: layer 0 keeps flowing until layer 2's keyframe.
        selector.constraints = .unlimited
        expectTrue(selector.retarget(layers: layers))
        expectTrue(!selector.retarget(layers: layers))
        expectEqual(selector.packet(layer: 0, isKeyframe: { false }), .forward)
        expectEqual(selector.packet(layer: 2, isKeyframe: { false }), .drop(needKeyframe: true))
        expectEqual(selector.packet(layer: 1, isKeyframe: { true }), .drop(needKeyframe: false))
        expectEqual(selector.packet(layer: 0, isKeyframe: { true }), .forward)
        expectEqual(selector.packet(layer: 2, isKeyframe: { true }), .switchLayer)
        expectEqual(selector.packet(layer: 0, isKeyframe: { true }), .drop(needKeyframe: false))
        #expect(selector.current == 2 && selector.switches == 1)
        // A restart (resume after a pause) waits for the target's keyframe again.
        selector.restart()
        expectEqual(selector.packet(layer: 2, isKeyframe: { false }), .drop(needKeyframe: true))
    }

    @Test("with no target yet, the first layer seen becomes it")
    func firstLayerSeen() {
        var selector = LayerSelector()
        expectEqual(selector.packet(layer: 1, isKeyframe: { true }), .switchLayer)
        #expect(selector.target == 1)
    }

    @Test("the monitor measures bitrate per 500 ms window, keyframes with their size, and inactivity")
    func monitor() {
        var clock = TestClock()
        var monitor = LayerMonitor()
        #expect(!monitor.isActive(now: clock.now))
        // 1 000-byte packets every 10 ms: 100 kB/s = 800 kbit/s.
        for _ in 0..<120 {
            monitor.packetReceived(size: 1_000, now: clock.now)
            clock.advance(.milliseconds(10))
        }
        #expect(monitor.bitrate == 800_000)
        monitor.keyframeReceived(width: 640, height: 360, now: clock.now)
        monitor.keyframeReceived(width: nil, height: nil, now: clock.now)
        #expect(monitor.height == 360 && monitor.width == 640 && monitor.keyframes == 2)
        #expect(monitor.snapshot(now: clock.now) == Layer(isActive: true, bitrate: 800_000, height: 360))
        clock.advance(LayerMonitor.inactivityTimeout)
        #expect(monitor.snapshot(now: clock.now) == Layer(isActive: false, bitrate: 0, height: 360))
        // Back after a long pause: the stale window does not count.
        monitor.packetReceived(size: 1_000, now: clock.now)
        #expect(monitor.bitrate == 0)
    }
}
