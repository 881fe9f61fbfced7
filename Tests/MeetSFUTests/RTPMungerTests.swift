import MeetRTP
import Testing
@testable import MeetSFU

@Suite struct RTPMungerTests {
    @Test func firstPacketKeepsPublisherNumbers() {
        var clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        let out = munger.map(extendedSequenceNumber: 1000, extendedTimestamp: 5000, now: clock.now)
        #expect(out == .init(sequenceNumber: 1000, timestamp: 5000, extendedSequenceNumber: 1000))
        clock.advance(.milliseconds(33))
        let next = munger.map(extendedSequenceNumber: 1001, extendedTimestamp: 8000, now: clock.now)
        #expect(next?.sequenceNumber == 1001)
        #expect(next?.timestamp == 8000)
    }

    /// Mute for 2 s while the publisher sends 100 more packets: the
    /// subscriber sees sequence +1 and the timestamp advanced by 2 s of
    /// 48 kHz ticks (plus nothing else), whatever the publisher's numbers.
    @Test func resumeAfterPauseIsContinuous() {
        var clock = TestClock()
        var munger = RTPMunger(clockRate: 48_000)
        for i in 0..<10 {
            _ = munger.map(extendedSequenceNumber: Int64(100 + i), extendedTimestamp: Int64(960 * i), now: clock.now)
            clock.advance(.milliseconds(20))
        }
        // Last forwarded: seq 109, ts 8640, at origin + 180 ms.
        munger.markDiscontinuity()
        clock.advance(.milliseconds(1800)) // origin + 2000 ms: 1.82 s after the last packet
        let resumed = munger.map(extendedSequenceNumber: 210, extendedTimestamp: 960 * 110, now: clock.now)
        #expect(resumed?.sequenceNumber == 110)
        #expect(resumed?.timestamp == UInt32(8640 + 87_360)) // 1.82 s × 48 000
        clock.advance(.milliseconds(20))
        let after = munger.map(extendedSequenceNumber: 211, extendedTimestamp: 960 * 111, now: clock.now)
        #expect(after?.sequenceNumber == 111)
        #expect(after?.timestamp == UInt32(8640 + 87_360 + 960))
        // A straggler from before the resume point is dropped.
        expectEqual(munger.map(extendedSequenceNumber: 205, extendedTimestamp: 960 * 105, now: clock.now), nil)
    }

    /// A new source (publisher reconnected: numbers restart anywhere) looks
    /// the same to the subscriber as a pause.
    @Test func sourceSwitchContinuesNumbering() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        _ = munger.map(extendedSequenceNumber: 65_535, extendedTimestamp: 4_294_967_000, now: clock.now)
        munger.markDiscontinuity()
        let out = munger.map(extendedSequenceNumber: 7, extendedTimestamp: 12, now: clock.now)
        #expect(out?.sequenceNumber == 0) // 65 535 + 1, wrapped
        #expect(out?.extendedSequenceNumber == 65_536)
        #expect(out?.timestamp == UInt32(truncatingIfNeeded: 4_294_967_000 + 1)) // no time passed: +1 tick
    }

    @Test func reorderingWithinSegmentKeepsOffsets() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        _ = munger.map(extendedSequenceNumber: 10, extendedTimestamp: 0, now: clock.now)
        _ = munger.map(extendedSequenceNumber: 12, extendedTimestamp: 0, now: clock.now)
        let late = munger.map(extendedSequenceNumber: 11, extendedTimestamp: 0, now: clock.now)
        #expect(late?.sequenceNumber == 11)
        #expect(munger.lastSequenceNumber == 12)
    }

    @Test func nackMapsBackAcrossSegmentsAndWrap() {
        var clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        // Segment 1: publisher 65 530...65 540 (extended) = subscriber same.
        for seq in Int64(65_530)...65_540 {
            _ = munger.map(extendedSequenceNumber: seq, extendedTimestamp: seq * 10, now: clock.now)
        }
        munger.markDiscontinuity()
        clock.advance(.seconds(1))
        // Segment 2: publisher 70 000... = subscriber 65 541...
        for seq in Int64(70_000)...70_004 {
            _ = munger.map(extendedSequenceNumber: seq, extendedTimestamp: seq * 10, now: clock.now)
        }
        // Subscriber NACKs 65 535 (segment 1) and 65 542 & 0xFFFF = 6 (segment 2).
        #expect(munger.mapNACK(65_535)?.publisherSequenceNumber == 65_535)
        #expect(munger.mapNACK(65_535)?.timestampOffset == 0)
        let second = munger.mapNACK(UInt16(65_542 & 0xFFFF))
        #expect(second?.publisherSequenceNumber == 70_001)
        // Segment 2's timestamp offset: input 700 000 → output 655 400 + 90 000.
        #expect(second?.timestampOffset == 700_000 - (655_400 + 90_000))
        // Never sent yet: nil.
        #expect(munger.mapNACK(UInt16(65_546 & 0xFFFF)) == nil)
    }

    @Test func unwrapperHandlesWrapAndReorder() {
        var sequence = RTPSequenceNumberUnwrapper()
        expectEqual(sequence.unwrap(65_534), 65_534)
        expectEqual(sequence.unwrap(1), 65_537)
        expectEqual(sequence.unwrap(65_535), 65_535) // late, before the wrap
        expectEqual(sequence.unwrap(2), 65_538)
        var timestamp = RTPTimestampUnwrapper()
        expectEqual(timestamp.unwrap(UInt32.max - 10), Int64(UInt32.max) - 10)
        expectEqual(timestamp.unwrap(100), Int64(UInt32.max) + 101)
    }
}
