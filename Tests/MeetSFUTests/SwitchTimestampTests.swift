import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// Timestamps across a simulcast switch from the layers' sender reports
/// (docs/dev/simulcast-status.md "Not done" 5): each layer has its own RTP
/// base, and the reports say how one maps onto the other, so the frame
/// after a switch keeps its captured time instead of the arrival time.
@Suite struct SwitchTimestampTests {
    /// NTP time of some instant (seconds × 2^32), far from any wrap.
    static let ntp0: UInt64 = 3_900_000_000 << 32

    @Test("the shift between two layers' reports: the same instant maps between their bases, across 2^32")
    func shiftBetweenReports() {
        // Layer a: rtp 1 000 at ntp0. Layer b: base near the wrap, report half a second later.
        let a = SenderClock(ntpTimestamp: Self.ntp0, rtpTimestamp: 1_000)
        let half: UInt64 = 1 << 31  // 0.5 s
        let b = SenderClock(ntpTimestamp: Self.ntp0 + half, rtpTimestamp: 4_294_967_000 &+ 45_000)
        let shift = SenderClock.shift(from: a, to: b, clockRate: 90_000)
        // At ntp0 + 1 s, a reads 91 000 and b reads 4 294 967 000 + 90 000 (wrapped).
        let bAtOneSecond: UInt32 = 4_294_967_000 &+ 90_000
        #expect(bAtOneSecond &- UInt32(truncatingIfNeeded: shift) == 91_000)
        // Symmetric, and 0 between a report and itself.
        #expect(SenderClock.shift(from: b, to: a, clockRate: 90_000) == -shift)
        #expect(SenderClock.shift(from: a, to: a, clockRate: 90_000) == 0)
        // A report earlier than the other one (a negative NTP difference).
        let early = SenderClock(ntpTimestamp: Self.ntp0 - half, rtpTimestamp: 1_000 &- 45_000)
        #expect(SenderClock.shift(from: a, to: early, clockRate: 90_000) == 0)
    }

    /// A munger that sent one packet of source 1 (timestamp 50 000), 10 ms
    /// ago, and is about to switch to source 2.
    static func switchingFromSource1() -> (RTPMunger, TestClock) {
        var clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        munger.markDiscontinuity(source: 1)
        _ = munger.map(extendedSequenceNumber: 100, extendedTimestamp: 50_000, now: clock.now)
        clock.advance(.milliseconds(10))
        munger.markDiscontinuity(source: 2)
        return (munger, clock)
    }

    /// 30 fps on 90 kHz; the switch's packet arrives 10 ms after the last
    /// one sent but was captured one frame (3 000 ticks) after it.
    @Test("a switch aligned by the reports gets the captured frame's timestamp, not the arrival time's")
    func alignedSwitch() {
        let (started, clock) = Self.switchingFromSource1()
        var munger = started
        // Layer 2's stream is layer 1's + 7 000 000 ticks: shift 7 000 000.
        munger.alignTimestamps(shift: 7_000_000)
        let out = munger.map(extendedSequenceNumber: 9_000, extendedTimestamp: 7_053_000, now: clock.now)
        #expect(out?.timestamp == 53_000)
        #expect(out?.sequenceNumber == 101)
        #expect(munger.alignedAnchors == 1)
        // The same captured frame as the last one sent (a switch within a frame): one tick later.
        munger.markDiscontinuity(source: 1)
        munger.alignTimestamps(shift: -7_000_000)
        #expect(munger.map(extendedSequenceNumber: 104, extendedTimestamp: 53_000, now: clock.now)?.timestamp == 53_001)
    }

    @Test("a report that maps over half a second after the wall time, or 40 ms before the last frame sent, is not believed; a pause clears it")
    func implausibleReportFallsBackToWallTime() {
        var (munger, clock) = Self.switchingFromSource1()
        munger.alignTimestamps(shift: 0)  // the report puts this frame a second after the last one
        let out = munger.map(extendedSequenceNumber: 9_000, extendedTimestamp: 143_000, now: clock.now)
        #expect(out?.timestamp == 50_900)  // the wall time: 10 ms
        #expect(munger.alignedAnchors == 0)
        // A report that puts the new frame 100 ms before the last one sent: the wall time too.
        munger.markDiscontinuity(source: 3)
        munger.alignTimestamps(shift: 0)
        clock.advance(.milliseconds(10))
        #expect(munger.map(extendedSequenceNumber: 20_000, extendedTimestamp: 92_100 + 50_900 - 9_000, now: clock.now)?.timestamp
            == 51_800)
        #expect(munger.alignedAnchors == 0 && munger.sourceSwitches == 2)
        // A shift set, then a pause's discontinuity: the pause re-anchors on the wall time.
        munger.markDiscontinuity(source: 1)
        munger.alignTimestamps(shift: 1_000)
        munger.markDiscontinuity()
        clock.advance(.milliseconds(20))
        #expect(munger.map(extendedSequenceNumber: 200, extendedTimestamp: 10, now: clock.now)?.timestamp == 53_600)
        // No pending re-anchor: nothing to align.
        munger.alignTimestamps(shift: 5)
        clock.advance(.milliseconds(20))
        #expect(munger.map(extendedSequenceNumber: 201, extendedTimestamp: 1_810, now: clock.now)?.timestamp == 55_400)
        #expect(munger.alignedAnchors == 0)
    }

    /// RouterSimulcastTests' harness (33 ms a frame, 3 000 ticks) with each
    /// layer's sender report: the down-switch's keyframe gets exactly one
    /// frame's 3 000 ticks (2 970 from the wall time without reports), and
    /// the up-switch within a captured frame one tick.
    @Test("through the router: with every layer's sender report, switches keep the frames' spacing exactly")
    func routerSwitchesWithReports() {
        let h = RouterSimulcastTests.Harness()
        let group = RouterSimulcastTests.group
        // Each layer reports at its own moment: layer i at ntp0 + i × 0.25 s, its base + i × 22 500.
        for (index, layer) in h.layers.enumerated() {
            let report = RTCPSenderReport(
                ssrc: layer.ssrc, ntpTimestamp: Self.ntp0 + UInt64(index) << 30,
                rtpTimestamp: layer.timestamp &+ UInt32(index) * 22_500, packetCount: 0, octetCount: 0)
            h.router.handleSenderReport(report, now: h.clock.now) { _, _ in }
        }
        _ = h.router.addDownTrack(publisherSSRC: group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: group, subscriber: 1, now: h.clock.now)
        var outputs: [RTPHeader] = []
        var switches = 0
        var aligned = 0
        func run(_ frames: Int, keyframes: Set<Int>) {
            for i in 0..<frames {
                let results = h.frame(keyframes: i == 0 ? keyframes : [])
                outputs += h.sent.map(\.header)
                switches += results.reduce(0) { $0 + Int($1.layerSwitches) }
                aligned += results.reduce(0) { $0 + Int($1.alignedLayerSwitches) }
            }
        }
        run(3, keyframes: [0])
        h.router.setLayerConstraints(.unlimited, publisherSSRC: group, subscriber: 1, now: h.clock.now)
        run(3, keyframes: [2])
        h.router.setLayerConstraints(.init(maxHeight: 360), publisherSSRC: group, subscriber: 1, now: h.clock.now)
        run(3, keyframes: [1])
        let steps = zip(outputs, outputs.dropFirst()).map { $1.timestamp &- $0.timestamp }
        #expect(steps == [3_000, 3_000, 3_000, 1, 3_000, 3_000, 3_000, 3_000, 3_000])
        #expect(h.router.track(ssrc: group)?.downTracks.first?.munger.alignedAnchors == 2)
        // What meet-sfu exports as meet_sfu_layer_switches_total and ..._aligned_total.
        #expect(switches == 2 && aligned == 2)
    }
}
