import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// Transport-wide congestion control feedback: the arrival log and the
/// router's reading of the extension.
@Suite("Transport-wide feedback log")
struct TransportWideFeedbackTests {
    /// `#expect`/`#require` cannot call a mutating method: this does it first.
    static func take(_ log: inout TransportWideFeedbackLog, senderSSRC: UInt32) -> RTCPTransportWideFeedback? {
        log.makeFeedback(senderSSRC: senderSSRC)
    }

    /// Each reported packet: its number and whether it arrived.
    static func statuses(_ feedback: RTCPTransportWideFeedback) -> [(UInt16, Bool)] {
        feedback.packets.map { ($0.sequenceNumber, $0.receiveDelta != nil) }
    }

    @Test("arrivals in order are reported once, with their spacing, and the count advances")
    func inOrder() throws {
        var clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        for sequence: UInt16 in 100...104 {
            log.record(sequence, mediaSSRC: 0xAB, at: clock.now)
            clock.advance(.milliseconds(5))
        }
        #expect(log.pending == 5)
        let feedback = try #require(Self.take(&log, senderSSRC: 7))
        #expect(feedback.baseSequenceNumber == 100 && feedback.feedbackPacketCount == 0)
        #expect(feedback.senderSSRC == 7 && feedback.mediaSSRC == 0xAB)
        #expect(Self.statuses(feedback).map(\.0) == [100, 101, 102, 103, 104])
        let times = feedback.arrivals.compactMap { $0 }
        #expect(zip(times.dropFirst(), times).map { $0 - $1 } == [5000, 5000, 5000, 5000])
        #expect(log.pending == 0)
        #expect(Self.take(&log, senderSSRC: 7) == nil)

        log.record(105, mediaSSRC: 0xAB, at: clock.now)
        #expect(Self.take(&log, senderSSRC: 7)?.feedbackPacketCount == 1)
    }

    @Test("a gap is reported as not received; a late packet after its report is not reported again")
    func lossAndLate() throws {
        let clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        log.record(10, mediaSSRC: 1, at: clock.now)
        log.record(13, mediaSSRC: 1, at: clock.now)
        let feedback = try #require(Self.take(&log, senderSSRC: 1))
        #expect(Self.statuses(feedback).map(\.1) == [true, false, false, true])
        log.record(11, mediaSSRC: 1, at: clock.now)
        #expect(log.pending == 0)
        #expect(Self.take(&log, senderSSRC: 1) == nil)
    }

    @Test("reordering within an interval and duplicates keep the first arrival")
    func reorderAndDuplicate() throws {
        var clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        log.record(2, mediaSSRC: 1, at: clock.now)
        clock.advance(.milliseconds(1))
        log.record(1, mediaSSRC: 1, at: clock.now)  // first packet of the log is 2: 1 is before it
        log.record(3, mediaSSRC: 1, at: clock.now)
        clock.advance(.milliseconds(10))
        log.record(3, mediaSSRC: 1, at: clock.now)  // duplicate
        log.record(5, mediaSSRC: 1, at: clock.now)
        log.record(4, mediaSSRC: 1, at: clock.now)  // reordered, still unreported
        let feedback = try #require(Self.take(&log, senderSSRC: 1))
        #expect(Self.statuses(feedback).map(\.0) == [2, 3, 4, 5] && Self.statuses(feedback).allSatisfy(\.1))
        let times = feedback.arrivals.compactMap { $0 }
        #expect(times[1] - times[0] == 1000)  // 3 kept its first arrival, not the duplicate's
    }

    @Test("numbers wrap from 65535 to 0 inside one feedback")
    func wrap() throws {
        let clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        for sequence: UInt16 in [65534, 65535, 0, 1] { log.record(sequence, mediaSSRC: 1, at: clock.now) }
        let feedback = try #require(Self.take(&log, senderSSRC: 1))
        #expect(feedback.baseSequenceNumber == 65534)
        #expect(Self.statuses(feedback).map(\.0) == [65534, 65535, 0, 1])
    }

    @Test("a long run is split over feedback packets that each fit an MTU, and round-trips through RTCP")
    func splitAndEncode() throws {
        var clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        for sequence in 0..<600 {
            if sequence % 7 != 3 { log.record(UInt16(sequence), mediaSSRC: 9, at: clock.now) }
            clock.advance(.microseconds(700))
        }
        let first = try #require(Self.take(&log, senderSSRC: 1))
        let second = try #require(Self.take(&log, senderSSRC: 1))
        #expect(first.packets.count == TransportWideFeedbackLog.maximumPerFeedback)
        #expect(second.baseSequenceNumber == 500 && second.packets.count == 100 && second.feedbackPacketCount == 1)
        for feedback in [first, second] {
            let bytes = try RTCPPacket.encodeCompound([.transportWideFeedback(feedback)])
            #expect(bytes.count < 1200)
            let parsed = try RTCPPacket.parseCompound(bytes)
            guard case .transportWideFeedback(let back) = parsed.first else {
                Issue.record("not parsed back as transport-wide feedback: \(parsed)")
                continue
            }
            #expect(back == feedback)
        }
    }

    @Test("a jump far past the unreported range starts over instead of reporting thousands lost")
    func farJump() throws {
        let clock = TestClock()
        var log = TransportWideFeedbackLog(epoch: clock.now)
        log.record(1, mediaSSRC: 1, at: clock.now)
        log.record(20_000, mediaSSRC: 1, at: clock.now)
        let feedback = try #require(Self.take(&log, senderSSRC: 1))
        #expect(feedback.baseSequenceNumber == 20_000 && feedback.packets.count == 1)
    }

    @Test("the router logs the negotiated extension's number from routed packets, only once enabled")
    func routerReadsTheExtension() throws {
        var clock = TestClock()
        let router = Router()
        router.addTrack(TrackConfiguration(ssrc: 0x1111, codec: .vp8, payloadType: 96, clockRate: 90_000))
        let batch = PacketBatch(capacity: 8)
        func packet(_ rtpSequence: UInt16, transportWide: UInt16) throws -> [UInt8] {
            var packet = try RTPPacket(parsing: rtp(seq: rtpSequence, ts: 0, payload: vp8Payload(keyframe: true)))
            try packet.setExtension(id: 1, value: [0x00])  // another extension first
            try packet.setExtension(id: 5, value: [UInt8(transportWide >> 8), UInt8(transportWide & 0xFF)])
            return try packet.encode()
        }
        _ = router.route(try packet(1, transportWide: 900), now: clock.now, batch: batch)
        #expect(router.makeTransportWideFeedback(senderSSRC: 1) == nil)  // not enabled yet

        router.enableTransportWideFeedback(extensionID: 5, now: clock.now)
        for (index, number) in [1000, 1001, 1003].enumerated() {
            clock.advance(.milliseconds(2))
            batch.reset()
            _ = router.route(try packet(UInt16(2 + index), transportWide: UInt16(number)), now: clock.now, batch: batch)
        }
        let feedback = try #require(router.makeTransportWideFeedback(senderSSRC: 1))
        #expect(feedback.mediaSSRC == 0x1111)
        #expect(Self.statuses(feedback).map(\.0) == [1000, 1001, 1002, 1003])
        #expect(Self.statuses(feedback).map(\.1) == [true, true, false, true])
    }
}
