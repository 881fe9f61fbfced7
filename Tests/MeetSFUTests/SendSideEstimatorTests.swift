import MeetRTCP
import Testing
@testable import MeetSFU

/// Bandwidth estimation toward a subscriber (#16 item 3): the send history
/// that numbers packets and reads feedback, the GCC parts, and the whole
/// estimator on synthetic traces (``PathSimulation``) with a test clock.
@Suite struct SendSideEstimatorTests {
    /// An RTP packet whose one-byte extension block holds `elements` (id, data).
    static func packet(_ elements: [(UInt8, [UInt8])]) -> [UInt8] {
        var block: [UInt8] = []
        for (id, data) in elements { block += [id << 4 | UInt8(data.count - 1)] + data }
        while block.count % 4 != 0 { block.append(0) }
        return [0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, UInt8(block.count / 4)] + block + [1, 2, 3]
    }

    static func stamp(_ history: inout TransportWideSendHistory, _ packet: inout [UInt8], id: UInt8, at now: ContinuousClock.Instant) -> Bool {
        packet.withUnsafeMutableBytes { history.stamp($0, extensionID: id, now: now) }
    }

    @Test("stamping overwrites the transport-cc element only, and skips packets without it")
    func stamping() {
        var clock = TestClock()
        var history = TransportWideSendHistory(epoch: clock.now)
        var packet = Self.packet([(1, [0x61]), (3, [0xFF, 0xFF]), (5, [9, 9, 9])])
        expectTrue(Self.stamp(&history, &packet, id: 3, at: clock.now))
        #expect(Array(packet[16...17]) == [0x10, 0x61] && Array(packet[19...20]) == [0, 1])
        #expect(Array(packet[21...24]) == [0x52, 9, 9, 9])
        clock.advance(.milliseconds(1))
        expectTrue(Self.stamp(&history, &packet, id: 3, at: clock.now))
        #expect(Array(packet[19...20]) == [0, 2])
        // Not negotiated on this packet, a one-byte element under the id, or no extension at all.
        var other = Self.packet([(1, [0x61])])
        var short = Self.packet([(3, [7])])
        var plain: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2]
        let stamped = [
            Self.stamp(&history, &other, id: 3, at: clock.now), Self.stamp(&history, &short, id: 3, at: clock.now),
            Self.stamp(&history, &plain, id: 3, at: clock.now),
        ]
        #expect(stamped == [false, false, false])
        #expect(history.next == 3)
    }

    @Test("feedback maps back to send times and sizes; unknown, stale and repeated numbers are ignored")
    func results() throws {
        var clock = TestClock()
        var history = TransportWideSendHistory(epoch: clock.now)
        var packet = Self.packet([(3, [0, 0])])
        for _ in 0..<5 {
            _ = Self.stamp(&history, &packet, id: 3, at: clock.now)
            clock.advance(.milliseconds(10))
        }
        // Numbers 1...5 sent at 0, 10, ... 40 ms; 3 lost; 6 and 7 never sent.
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 0, baseSequenceNumber: 1,
            arrivals: [100_000, 110_000, nil, 130_000, 140_000, 150_000, 160_000])
        let results = history.results(of: feedback)
        #expect(results.map(\.sendTime) == [0, 10_000, 20_000, 30_000, 40_000])
        #expect(results.map { $0.arrivalTime != nil } == [true, true, false, true, true])
        #expect(results.allSatisfy { $0.size == packet.count })
        // The same feedback again: only the lost packet is still open.
        let again = history.results(of: feedback)
        #expect(again.count == 1)
    }

    @Test("numbers wrap at 16 bits; a number older than the history is ignored")
    func wrapAround() {
        let clock = TestClock()
        var history = TransportWideSendHistory(epoch: clock.now)
        var packet = Self.packet([(3, [0, 0])])
        for _ in 0..<70_000 { _ = Self.stamp(&history, &packet, id: 3, at: clock.now) }
        // Last sent: 70 000 = 0x11170 → on the wire 0x1170.
        #expect(Array(packet[17...18]) == [0x11, 0x70])
        let recent = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 0, baseSequenceNumber: 0x116F, arrivals: [1_000, 2_000])
        let recentResults = history.results(of: recent)
        #expect(recentResults.count == 2)
        let stale = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: 0, baseSequenceNumber: 0x1170 &- 3000, arrivals: [1_000])
        let staleResults = history.results(of: stale)
        #expect(staleResults.isEmpty)
    }

    @Test("the trendline's slope is the least-squares one")
    func slope() {
        let points: [(x: Double, y: Double)] = [(0, 1), (1, 3), (2, 5), (3, 7)]
        #expect(TrendlineEstimator.slope(points) == 2)
        #expect(TrendlineEstimator.slope([(1, 1), (1, 2)]) == nil)
    }

    @Test("steady link: a sender below capacity sees no congestion and the estimate rises past what it sends")
    func steady() {
        var path = PathSimulation(capacity: 3_000_000)
        path.run(for: .seconds(20)) { _ in 1_500_000 }
        #expect(path.estimator.lastCongestion == nil)
        #expect(path.estimate >= 1_500_000)
        #expect(path.estimator.feedbackCount > 300)
    }

    @Test("a capacity drop brings the estimate under the new capacity within 500 ms; recovery raises it again")
    func dropAndRecovery() {
        var path = PathSimulation(capacity: 2_500_000)
        let send: (inout PathSimulation) -> Int = { path in min(path.estimate, 4_000_000) }
        path.run(for: .seconds(20), rate: send)
        let settled = path.estimate
        #expect(settled > 1_500_000 && settled < 3_000_000, "settled at \(settled)")
        path.capacity = 500_000
        path.run(for: .milliseconds(500), rate: send)
        #expect(path.estimate < 600_000, "estimate \(path.estimate) 500 ms after the drop")
        path.run(for: .seconds(10), rate: send)
        #expect(path.estimate < 700_000 && path.estimate > 250_000, "estimate \(path.estimate) on the 500 kbit/s link")
        path.capacity = 2_500_000
        path.run(for: .seconds(20), rate: send)
        #expect(path.estimate > 1_200_000, "estimate \(path.estimate) 20 s after recovery")
    }

    @Test("without transport-wide feedback REMB limits below what is sent and allows headroom above it; with it, a cap")
    func remb() {
        var clock = TestClock()
        var estimator = SendSideEstimator()
        estimator.receiverEstimate(300_000, now: clock.now)
        // The receiver gets less than is sent: its REMB is the limit.
        #expect(estimator.estimate(now: clock.now, sending: 400_000) == 300_000)
        // It keeps up (a receiver's estimator never says more than 1.5 × what
        // it gets): one layer step more is allowed.
        #expect(estimator.estimate(now: clock.now, sending: 250_000) == 2_750_000)
        clock.advance(.seconds(4))
        #expect(estimator.estimate(now: clock.now, sending: 400_000) == 2_000_000)  // stale: the start value again
        var path = PathSimulation(capacity: 3_000_000)
        path.run(for: .seconds(2)) { _ in 800_000 }
        path.estimator.receiverEstimate(400_000, now: path.now)
        #expect(path.estimate == 400_000)
        path.estimator.receiverEstimate(50_000_000, now: path.now)
        #expect(path.estimate < 3_000_000)
    }

    @Test("after a collapse (a paused subscriber's path), traffic carried without loss or queueing lifts the estimate to it at once")
    func collapseRecovery() {
        var path = PathSimulation(capacity: 10_000_000)
        path.maxQueue = 0  // a policer: loss, no queue
        path.capacity = 150_000
        path.run(for: .seconds(5)) { _ in 600_000 }
        let collapsed = path.estimate
        #expect(collapsed < 150_000, "estimate \(collapsed) behind the 150 kbit/s policer")
        // The link recovers; the node forwards 300 kbit/s anyway (audio and a trial's lowest layer).
        path.capacity = 10_000_000
        path.run(for: .seconds(1)) { _ in 300_000 }
        // Before, the estimate crawled up from the collapse at 8 % per step of the loss bound and the AIMD
        // (about 30 s from 30 to 300 kbit/s); now 0.85 × what was acked is its floor.
        #expect(path.estimate >= 240_000, "estimate \(path.estimate) 1 s after recovery, from \(collapsed)")
        path.run(for: .seconds(5)) { _ in 300_000 }
        #expect(path.estimator.lossFraction < 0.02)
        #expect(path.estimate > 300_000, "estimate \(path.estimate) 6 s after recovery")
    }

    @Test("the acked bitrate counts n − 1 packets over n − 1 gaps: 1 000 bytes every 25 ms is 320 kbit/s")
    func ackedBitrate() {
        var acked = AckedBitrate()
        for index in 0...10 { acked.add(arrival: Int64(index) * 25_000, size: 1000) }
        #expect(acked.bitrate == 320_000)
        // Under a quarter of the window spanned: no rate yet.
        var short = AckedBitrate()
        short.add(arrival: 0, size: 1000)
        short.add(arrival: 50_000, size: 1000)
        #expect(short.bitrate == nil)
    }

    @Test("the acked floor never undoes a decrease: over-use, then normal with the queue's drain still acked")
    func floorKeepsTheDecrease() {
        var clock = TestClock()
        var rate = AIMDRateControl(start: 2_000_000)
        // Sending into a 1 Mbit/s bottleneck: over-use, with the acked rate at the bottleneck's.
        let decreased = rate.update(.overusing, acked: 1_000_000, now: clock.now)
        #expect(decreased == 850_000)
        // The next feedback reads normal while its window still holds packets that left the queue at 1 Mbit/s.
        clock.advance(.milliseconds(50))
        let next = rate.update(.normal, acked: 1_000_000, now: clock.now)
        // 0.85 × acked is the floor, plus at most one 50 ms step of increase: the decrease stands.
        #expect(next >= 850_000 && next < 860_000, "estimate \(next)")
    }

    @Test("heavy loss without queueing (a policer) pulls the estimate down through the loss bound")
    func lossBound() {
        var path = PathSimulation(capacity: 10_000_000)
        path.maxQueue = 0  // drops instead of queueing
        path.capacity = 600_000
        path.run(for: .seconds(3)) { _ in 1_500_000 }
        #expect(path.estimator.lossFraction > 0.1)
        #expect(path.estimate < 1_000_000, "estimate \(path.estimate)")
    }
}
