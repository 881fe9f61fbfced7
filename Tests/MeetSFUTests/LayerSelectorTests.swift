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

    @Test("a keyframe's packets with one RTP timestamp count once; its size is read from the first that has it")
    func keyframePacketsCountOnce() {
        let clock = TestClock()
        var monitor = LayerMonitor()
        // H.264: the IDR's first fragment before its SPS would give no size; the STAP-A after it does.
        monitor.keyframeReceived(width: nil, height: nil, timestamp: 3_000, now: clock.now)
        #expect(monitor.keyframes == 1 && !monitor.hasSizedKeyframe(timestamp: 3_000))
        monitor.keyframeReceived(width: 1280, height: 720, timestamp: 3_000, now: clock.now)
        #expect(monitor.keyframes == 1 && monitor.hasSizedKeyframe(timestamp: 3_000) && monitor.height == 720)
        // The next keyframe counts, and its size is read again.
        #expect(!monitor.hasSizedKeyframe(timestamp: 93_000))
        monitor.keyframeReceived(width: 640, height: 360, timestamp: 93_000, now: clock.now)
        #expect(monitor.keyframes == 2 && monitor.height == 360)
    }

    /// Packets on `monitors` (one new frame each) every `interval`, `count` times.
    static func frames(_ monitors: inout [LayerMonitor], sending: Set<Int>, count: Int, interval: Duration,
                       timestamp: inout UInt32, clock: inout TestClock) {
        for _ in 0..<count {
            for index in sending { monitors[index].packetReceived(size: 1_000, timestamp: timestamp, now: clock.now) }
            timestamp &+= 3_000
            clock.advance(interval)
        }
    }

    @Test("a layer silent for 4 of its frame intervals (at least 250 ms) while another flows is stalled for the selectors; all silent is not")
    func stall() {
        var clock = TestClock()
        var timestamp: UInt32 = 4_294_900_000  // wraps on the way
        var monitors = [LayerMonitor(), LayerMonitor()]
        #expect(monitors[1].frameInterval == nil && monitors[1].stallTimeout == LayerMonitor.inactivityTimeout)
        Self.frames(&monitors, sending: [0, 1], count: 30, interval: .milliseconds(33), timestamp: &timestamp, clock: &clock)
        #expect(monitors[1].frameInterval == .milliseconds(33))
        // 4 × 33 ms is under the floor.
        #expect(monitors[1].stallTimeout == LayerMonitor.minimumStall)
        // A packet of the same frame, or a reordered older one, starts no frame.
        monitors[1].packetReceived(size: 1_000, timestamp: timestamp &- 3_000, now: clock.now)
        monitors[1].packetReceived(size: 1_000, timestamp: timestamp &- 6_000, now: clock.now)
        #expect(monitors[1].frameInterval == .milliseconds(33))
        let stopped = clock.now

        // Layer 1 stops, layer 0 goes on: stalled once 250 ms silent (the 1 s rule still says active).
        func top() -> Layer { monitors[1].snapshot(now: clock.now, groupLastPacketAt: monitors[0].lastPacketAt) }
        Self.frames(&monitors, sending: [0], count: 7, interval: .milliseconds(33), timestamp: &timestamp, clock: &clock)
        #expect(clock.now - stopped == .milliseconds(231) && top().isActive)
        Self.frames(&monitors, sending: [0], count: 2, interval: .milliseconds(33), timestamp: &timestamp, clock: &clock)
        #expect(clock.now - stopped == .milliseconds(297))
        #expect(!top().isActive && top().bitrate == 0 && monitors[1].isActive(now: clock.now))
        #expect(LayerSelector.choose(layers: [monitors[0].snapshot(now: clock.now), top()], constraints: .unlimited) == 0)
        // Back: active again with its first packet.
        Self.frames(&monitors, sending: [0, 1], count: 1, interval: .milliseconds(33), timestamp: &timestamp, clock: &clock)
        #expect(top().isActive)

        // Both stop (the publisher's path, not one layer): only the 1 s rule applies.
        let quiet = clock.now
        clock.advance(.milliseconds(600))
        #expect(top().isActive)
        clock.advance(.milliseconds(400))
        #expect(clock.now - quiet == .seconds(1) && !top().isActive)
    }

    @Test("a slow layer (5 fps) gets 4 of its own frame intervals; a long pause counts as 250 ms in the interval")
    func slowLayerStall() throws {
        var clock = TestClock()
        var timestamp: UInt32 = 0
        var monitors = [LayerMonitor(), LayerMonitor()]
        for _ in 0..<40 {
            // Layer 0 at 30 fps, layer 1 at 5 fps (one frame in 6).
            for step in 0..<6 {
                monitors[0].packetReceived(size: 300, timestamp: timestamp &+ UInt32(step) * 3_000, now: clock.now)
                if step == 0 { monitors[1].packetReceived(size: 3_000, timestamp: timestamp, now: clock.now) }
                clock.advance(.microseconds(33_333))
            }
            timestamp &+= 18_000
        }
        let interval = try #require(monitors[1].frameInterval)
        #expect(interval > .milliseconds(199) && interval < .milliseconds(201))
        #expect(monitors[1].stallTimeout > .milliseconds(796) && monitors[1].stallTimeout < .milliseconds(804))
        // 600 ms without layer 1 (three of its frames), layer 0 flowing: not stalled yet.
        let last = try #require(monitors[1].lastPacketAt)
        Self.frames(&monitors, sending: [0], count: 16, interval: .microseconds(33_333), timestamp: &timestamp, clock: &clock)
        #expect(clock.now - last > .milliseconds(600))
        #expect(monitors[1].snapshot(now: clock.now, groupLastPacketAt: monitors[0].lastPacketAt).isActive)
        // 966 ms: stalled, where the 1 s rule alone would still say active.
        Self.frames(&monitors, sending: [0], count: 7, interval: .microseconds(33_333), timestamp: &timestamp, clock: &clock)
        #expect(!monitors[1].snapshot(now: clock.now, groupLastPacketAt: monitors[0].lastPacketAt).isActive)
        #expect(monitors[1].isActive(now: clock.now))

        // A 10 s pause, then frames again: the pause weighs as one 250 ms gap.
        clock.advance(.seconds(10))
        monitors[1].packetReceived(size: 3_000, timestamp: timestamp, now: clock.now)
        #expect(try #require(monitors[1].frameInterval) < .milliseconds(207))
    }
}
