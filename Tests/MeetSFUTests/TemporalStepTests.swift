import MeetRTP
import Testing
@testable import MeetSFU

/// Temporal steps in allocation (session 15): a layer's per-TID rates
/// measured by its monitor; the allocator's costs and the selector's choice
/// put the higher layer at fewer temporal layers between two layers' full
/// rates (cameras: at 15 frames/s or more; screen shares: any frame rate).
@Suite struct TemporalStepTests {
    /// Layer 0: 300 kbit/s at 30 fps, no TIDs; layer 1 (L1T3): TID 0 400 kbit/s
    /// at 8 fps, TID ≤ 1 700 kbit/s at 15 fps, all 1.2 Mbit/s at 30 fps.
    static let layers: [LayerSelector.Layer] = [
        .init(isActive: true, bitrate: 300_000, height: 180),
        .init(isActive: true, bitrate: 1_200_000, height: 720,
              temporal: TemporalRates(perLayerBitrates: [400_000, 300_000, 500_000], frameRates: [8, 7, 15])),
    ]

    @Test("the monitor measures each TID's bits and frames per window, cumulative")
    func monitorLearnsTemporalRates() {
        var clock = TestClock()
        var monitor = LayerMonitor()
        var timestamp: UInt32 = 0
        // 30 frames/s, L1T3 (TID 0, 2, 1, 2), two packets a frame: 1 000 bytes on TID 0, 500 on TID 1, 250 on TID 2.
        for frame in 0..<60 {
            let tid = [0, 2, 1, 2][frame % 4]
            for _ in 0..<2 {
                monitor.packetReceived(size: [1_000, 500, 250][tid], timestamp: timestamp, temporalLayer: tid, now: clock.now)
            }
            timestamp &+= 3_000
            clock.advance(.microseconds(33_334))
        }
        let rates = monitor.temporal
        #expect(rates.count == 3)
        // A 500 ms window holds 15 frames here: 4 of TID 0, 4 of TID 1, 7 of TID 2 (or 4/4/7 shifted by one).
        let fps = (0..<3).map { rates.frameRate(upTo: $0) }
        #expect(fps[2] == 30 && (14...16).contains(fps[1]) && (6...10).contains(fps[0]))
        #expect(rates.bitrate(upTo: 2) == monitor.bitrate)
        #expect(rates.bitrate(upTo: 0) < rates.bitrate(upTo: 1) && rates.bitrate(upTo: 1) < rates.bitrate(upTo: 2))
        // A layer without TIDs has none.
        var plain = LayerMonitor()
        for _ in 0..<40 {
            plain.packetReceived(size: 1_000, timestamp: timestamp, now: clock.now)
            clock.advance(.milliseconds(33))
        }
        #expect(plain.temporal.count == 0 && plain.bitrate > 0)
    }

    @Test("costs: the higher layer at 15 fps between the two full rates for a camera; every TID for a screen share")
    func allocatorCosts() {
        #expect(LayerDemand.costs(of: Self.layers, maxHeight: nil) == [300_000, 700_000, 1_200_000])
        #expect(LayerDemand.costs(of: Self.layers, maxHeight: nil, prefersResolution: true) == [300_000, 400_000, 700_000, 1_200_000])
        // A tile that fits only layer 0: no step of layer 1.
        #expect(LayerDemand.costs(of: Self.layers, maxHeight: 360) == [300_000])
        // Without TIDs, as before.
        let plain = Self.layers.map { LayerSelector.Layer(isActive: $0.isActive, bitrate: $0.bitrate, height: $0.height) }
        #expect(LayerDemand.costs(of: plain, maxHeight: nil) == [300_000, 1_200_000])
    }

    @Test("the selector: a budget between two layers picks the higher one at a lower frame rate, by the rule")
    func selectorSteps() {
        func step(_ budget: Int?, screen: Bool = false) -> (Int, Int?)? {
            LayerSelector.step(layers: Self.layers, constraints: .init(availableBitrate: budget, prefersResolution: screen))
                .map { ($0.layer, $0.temporalLayer) }
        }
        #expect(step(nil).map { $0.0 == 1 && $0.1 == nil } == true)
        #expect(step(1_300_000).map { $0.0 == 1 && $0.1 == nil } == true)
        #expect(step(800_000).map { $0.0 == 1 && $0.1 == 1 } == true)
        // 500 kbit/s buys layer 1 only at 8 fps: a camera keeps layer 0 at full rate, a screen share takes it.
        #expect(step(500_000).map { $0.0 == 0 && $0.1 == nil } == true)
        #expect(step(500_000, screen: true).map { $0.0 == 1 && $0.1 == 0 } == true)
        // Under layer 0's rate: layer 0, whole (pausing is the allocator's).
        #expect(step(100_000).map { $0.0 == 0 && $0.1 == nil } == true)
    }

    @Test("the allocator picks the temporal step within the budget; the selector follows it")
    func allocatorPicksTemporalStep() throws {
        var allocator = BandwidthAllocator<String>()
        let costs = LayerDemand.costs(of: Self.layers, maxHeight: nil)
        let tracks: [BandwidthAllocator<String>.Track] = [
            .init(key: "audio", isAudio: true, layers: [40_000]), .init(key: "camera", priority: .visible, layers: costs),
        ]
        let decisions = allocator.allocate(estimate: 900_000, tracks: tracks, congested: false, now: TestClock().now)
        #expect(decisions["camera"] == .forward(budget: 700_000))
        let chosen = try #require(LayerSelector.step(layers: Self.layers, constraints: .init(availableBitrate: 700_000)))
        #expect(chosen.layer == 1 && chosen.temporalLayer == 1)
        // Less than the step: layer 0 whole; never paused while layer 0 fits (the pause rules are unchanged).
        let lower = allocator.allocate(estimate: 600_000, tracks: tracks, congested: false, now: TestClock().now)
        #expect(lower["camera"] == .forward(budget: 300_000))
    }
}

/// The temporal step through the router: a group whose top layer carries
/// TIDs; a budget that buys it at TID ≤ 1 sends its TID 0 and 1 frames only,
/// from the switch on.
@Suite struct RouterTemporalStepTests {
    static let group: UInt32 = 0x8000
    static let layerSSRCs: [UInt32] = [0x8001, 0x8002]

    @Test("a budget between the layers' full rates: layer 1's TID 2 frames are dropped after the switch")
    func groupTemporalStep() {
        var clock = TestClock()
        let router = Router.simulcastWithOneViewer(group: Self.group, layers: Self.layerSSRCs, now: clock.now)
        let batch = PacketBatch(capacity: 8)
        var sequences: [UInt16] = [100, 9_000]
        var forwarded: [(layer: Int, tid: Int)] = []
        // Layer 0: 300 bytes a frame, no TIDs. Layer 1: L1T3, 1 200 / 600 / 300 bytes for TID 0 / 1 / 2.
        func frame(_ n: Int, keyframes: Set<Int> = []) {
            batch.reset()
            let tid = [0, 2, 1, 2][n % 4]
            for layer in 0..<2 {
                let payload = layer == 0
                    ? vp8Payload(pictureID: UInt16(n), keyframe: keyframes.contains(0), height: 180) + [UInt8](repeating: 0, count: 300)
                    : vp8Payload(pictureID: UInt16(n), tl0: UInt8(n / 4), tid: tid, sync: true, keyframe: keyframes.contains(1), height: 720)
                        + [UInt8](repeating: 0, count: [1_200, 600, 300][tid])
                let result = router.route(
                    rtp(seq: sequences[layer], ts: UInt32(n) * 3_000, ssrc: Self.layerSSRCs[layer], payload: payload),
                    now: clock.now, batch: batch)
                if result.forwarded > 0 { forwarded.append((layer, layer == 0 ? -1 : tid)) }
                sequences[layer] &+= 1
            }
            clock.advance(.microseconds(33_334))
        }
        frame(0, keyframes: [0, 1])
        for n in 1..<40 { frame(n) }  // more than a window: the monitors measured the TIDs
        let top = router.layers(ofGroup: Self.group)[1].monitor.temporal
        #expect(top.count == 3)
        // A budget above layer 1 at TID ≤ 1 with the headroom a step up needs
        // (a sixth: the node's slack, session 16), and below its full rate.
        let budget = (top.bitrate(upTo: 1) * 6 / 5 + top.bitrate(upTo: 2)) / 2
        #expect(top.bitrate(upTo: 1) * 6 / 5 < budget && budget < top.bitrate(upTo: 2))
        router.setLayerConstraints(.init(availableBitrate: budget), publisherSSRC: Self.group, subscriber: 1, now: clock.now)
        #expect(router.track(ssrc: Self.group)?.downTracks.first?.layers.target == 1)
        #expect(router.track(ssrc: Self.group)?.downTracks.first?.layers.targetTemporalLayer == 1)
        forwarded = []
        frame(40, keyframes: [1])
        for n in 41..<48 { frame(n) }
        // Layer 0's packet of frame 40, then layer 1's frames 40, 42, 44, 46 (TID 0, 1, 0, 1).
        #expect(forwarded.map(\.layer) == [0, 1, 1, 1, 1])
        #expect(forwarded.dropFirst().map(\.tid) == [0, 1, 0, 1])
        #expect(router.track(ssrc: Self.group)?.downTracks.first?.vp8?.currentTemporalLayer == 1)
    }
}
