import MeetRTP
import Testing
@testable import MeetSFU

/// The munger's skips (a VP8 temporal layer dropped, session 15) and a late
/// packet (an upstream retransmission) from before them (session 16).
@Suite struct RTPMungerSkipTests {
    /// Maps `input` (timestamp = input × 3 000) and returns the subscriber's extended number.
    private func map(_ munger: inout RTPMunger, _ input: Int64, clock: TestClock) -> Int64? {
        munger.map(extendedSequenceNumber: input, extendedTimestamp: input * 3_000, now: clock.now)?.extendedSequenceNumber
    }

    @Test("the lost last packet of a forwarded frame keeps its number after a skip: forwarded late, NACK maps to it")
    func lostBeforeASkip() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        #expect(map(&munger, 100, clock: clock) == 100)
        // 101 (the frame's last packet) is lost before the node; 102, a dropped frame, is skipped.
        munger.skip(extendedSequenceNumber: 102)
        #expect(map(&munger, 103, clock: clock) == 102)
        // The publisher's retransmission of 101 comes: the number kept for it, not dropped.
        #expect(map(&munger, 101, clock: clock) == 101)
        // And a NACK of 101 maps to the publisher's 101, not to the dropped 102.
        #expect(munger.mapNACK(101)?.publisherSequenceNumber == 101)
        #expect(munger.mapNACK(102)?.publisherSequenceNumber == 103)
    }

    @Test("a late packet whose number a later closed stretch gave away is dropped, however many segments back")
    func closedStretchBeforeOlderSegments() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        #expect(map(&munger, 100, clock: clock) == 100)
        munger.skip(extendedSequenceNumber: 101)  // a dropped frame: 101 seen, 102 lost
        munger.continueAfterDrops(at: 103)  // the next forwarded frame follows 100
        #expect(map(&munger, 103, clock: clock) == 101)
        munger.skip(extendedSequenceNumber: 104)
        #expect(map(&munger, 105, clock: clock) == 102)
        munger.skip(extendedSequenceNumber: 106)
        #expect(map(&munger, 107, clock: clock) == 103)
        // 102 would map to 102 through the first segment: 105 went out as 102.
        #expect(map(&munger, 102, clock: clock) == nil)
    }

    @Test("with the temporal history, a late packet from 20 skips back keeps its number; 4 segments forget it")
    func longHistory() {
        let clock = TestClock()
        var long = RTPMunger(clockRate: 90_000, segmentHistory: RTPMunger.temporalSegmentHistory)
        var short = RTPMunger(clockRate: 90_000)
        #expect(long.segmentLimit >= RTPMunger.temporalSegmentHistory && short.segmentLimit == 4)
        for index in 0..<2 {
            var munger = index == 0 ? long : short
            _ = munger.map(extendedSequenceNumber: 1_000, extendedTimestamp: 0, now: clock.now)
            // 1 001 lost; then 20 rounds of (a dropped packet, a forwarded one).
            for round in 0..<20 {
                let base = Int64(1_002 + round * 2)
                munger.skip(extendedSequenceNumber: base)
                _ = munger.map(extendedSequenceNumber: base + 1, extendedTimestamp: 0, now: clock.now)
            }
            if index == 0 { long = munger } else { short = munger }
        }
        #expect(long.lastSequenceNumber == 1_021 && short.lastSequenceNumber == 1_021)
        #expect(map(&long, 1_001, clock: clock) == 1_001)
        #expect(map(&short, 1_001, clock: clock) == nil)
        #expect(long.mapNACK(1_001)?.publisherSequenceNumber == 1_001)
        // A copy is a value: its pushes do not reach the original's ring.
        var copy = long
        copy.markDiscontinuity()
        _ = copy.map(extendedSequenceNumber: 5_000, extendedTimestamp: 0, now: clock.now)
        for round in 0..<70 {
            copy.skip(extendedSequenceNumber: Int64(5_001 + round * 2))
            _ = copy.map(extendedSequenceNumber: Int64(5_002 + round * 2), extendedTimestamp: 0, now: clock.now)
        }
        #expect(copy.mapNACK(1_001) == nil)
        #expect(long.mapNACK(1_001)?.publisherSequenceNumber == 1_001)
    }

    @Test("two skips with a lost packet between them: the lost packet keeps its number (late copy and NACK)")
    func lostBetweenTwoSkips() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        #expect(map(&munger, 100, clock: clock) == 100)
        // 101 (marker) lost; 102 dropped; 103 (a one-packet TID1 frame) lost; 104 dropped.
        munger.skip(extendedSequenceNumber: 102)
        munger.skip(extendedSequenceNumber: 104)
        #expect(map(&munger, 105, clock: clock) == 103)
        // The late 103 takes 102, the late 101 takes 101.
        #expect(map(&munger, 103, clock: clock) == 102)
        #expect(map(&munger, 101, clock: clock) == 101)
        #expect(munger.mapNACK(102)?.publisherSequenceNumber == 103)
        #expect(munger.mapNACK(101)?.publisherSequenceNumber == 101)
        #expect(munger.mapNACK(103)?.publisherSequenceNumber == 105)
    }

    @Test("consecutive dropped packets widen one skip")
    func consecutiveSkips() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        #expect(map(&munger, 100, clock: clock) == 100)
        munger.skip(extendedSequenceNumber: 101)
        munger.skip(extendedSequenceNumber: 102)
        munger.skip(extendedSequenceNumber: 103)
        #expect(map(&munger, 104, clock: clock) == 101)
        #expect(munger.mapNACK(101)?.publisherSequenceNumber == 104)
        #expect(munger.mapNACK(100)?.publisherSequenceNumber == 100)
    }

    @Test("a late dropped packet from before the current segment changes no mapping")
    func lateSkipBeforeTheSegment() {
        let clock = TestClock()
        var munger = RTPMunger(clockRate: 90_000)
        #expect(map(&munger, 100, clock: clock) == 100)
        // 101 and 102 lost; 103 dropped (skipped).
        munger.skip(extendedSequenceNumber: 103)
        // A reordered retransmission of 102 (a dropped layer) comes before 101's.
        munger.skip(extendedSequenceNumber: 102)
        #expect(map(&munger, 101, clock: clock) == 101)
        #expect(map(&munger, 104, clock: clock) == 103)
        #expect(munger.mapNACK(101)?.publisherSequenceNumber == 101)
        #expect(munger.mapNACK(103)?.publisherSequenceNumber == 104)
    }
}
