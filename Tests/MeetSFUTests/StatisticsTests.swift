import MeetRTCP
import Testing
@testable import MeetSFU

@Suite struct StatisticsTests {
    /// RFC 3550 §6.4.1's own example: A = 0xb710:8000 (46 864.500 s),
    /// LSR = 0xb705:2000 (46 853.125 s), DLSR = 0x0005:4000 (5.250 s)
    /// → RTT = 0x0006:2000 = 6.125 s.
    @Test func roundTripTimeFromTheRFCExample() {
        let rtt = NTPTime.roundTripTime(arrival: 0xB710_8000, lastSenderReport: 0xB705_2000, delaySinceLastSenderReport: 0x0005_4000)
        #expect(rtt == .milliseconds(6125))
        #expect(NTPTime.roundTripTime(arrival: 1, lastSenderReport: 0, delaySinceLastSenderReport: 0) == nil)
        #expect(NTPTime.compactDuration(.milliseconds(5250)) == 0x0005_4000)
        #expect(NTPTime.compact(0xB705_2000_1234_5678) == 0x2000_1234)
        #expect(NTPTime.ntp(unixNanoseconds: 1_500_000_000) == (NTPTime.unixEpochOffset + 1) << 32 | 0x8000_0000)
    }

    /// The subscriber's RR echoes the compact NTP of our SR: RTT is the time
    /// since we sent it minus the subscriber's hold time.
    @Test func subscriberRoundTripTimeFromOurSenderReport() {
        var clock = TestClock()
        var statistics = SubscriberStatistics(clockRate: 90_000)
        let ntp: UInt64 = 0xB705_2000_0000_0000
        statistics.senderReportSent(ntpTimestamp: ntp, now: clock.now)
        clock.advance(.milliseconds(5330))
        let block = RTCPReportBlock(
            ssrc: 1, fractionLost: 64, cumulativeLost: 12, extendedHighestSequence: 1000, jitter: 900,
            lastSenderReport: NTPTime.compact(ntp), delaySinceLastSenderReport: 0x0005_4000)
        statistics.receiverReportReceived(block, now: clock.now)
        #expect(statistics.roundTripTime == .milliseconds(80))
        #expect(statistics.fractionLost == 0.25)
        #expect(statistics.cumulativeLost == 12)
        #expect(statistics.jitterSeconds == 0.01)
    }

    @Test func lossAndFractionPerInterval() {
        var clock = TestClock()
        var statistics = StreamStatistics(clockRate: 90_000)
        for seq in [10, 11, 13, 14] as [Int64] { // 12 lost
            statistics.packetReceived(extendedSequenceNumber: seq, extendedTimestamp: seq * 3000, size: 100, now: clock.now)
        }
        #expect(statistics.expected == 5)
        #expect(statistics.lost == 1)
        let first = statistics.makeReportBlock(ssrc: 7, now: clock.now)
        #expect(first.fractionLost == 51) // 1/5 × 256
        #expect(first.cumulativeLost == 1)
        #expect(first.extendedHighestSequence == 14)
        #expect(first.lastSenderReport == 0)
        for seq in Int64(15)...18 {
            statistics.packetReceived(extendedSequenceNumber: seq, extendedTimestamp: seq * 3000, size: 100, now: clock.now)
        }
        statistics.senderReportReceived(ntpTimestamp: 0x0001_0002_0003_0004, now: clock.now)
        clock.advance(.milliseconds(500))
        let second = statistics.makeReportBlock(ssrc: 7, now: clock.now)
        #expect(second.fractionLost == 0)
        #expect(second.lastSenderReport == 0x0002_0003)
        #expect(second.delaySinceLastSenderReport == 0x8000) // 0.5 s
        #expect(statistics.bytes == 800)
    }

    /// Packets sent every 20 ms with 20 ms of timestamp: transit constant,
    /// jitter 0. One packet 5 ms late: |D| = 450 ticks, J = 450/16.
    @Test func jitterFollowsRFC3550() {
        var clock = TestClock()
        var statistics = StreamStatistics(clockRate: 90_000)
        for i in Int64(0)..<5 {
            statistics.packetReceived(extendedSequenceNumber: i, extendedTimestamp: i * 1800, size: 10, now: clock.now)
            clock.advance(.milliseconds(20))
        }
        #expect(statistics.jitter == 0)
        clock.advance(.milliseconds(5))
        statistics.packetReceived(extendedSequenceNumber: 5, extendedTimestamp: 5 * 1800, size: 10, now: clock.now)
        #expect(statistics.jitter == 450.0 / 16)
    }
}
