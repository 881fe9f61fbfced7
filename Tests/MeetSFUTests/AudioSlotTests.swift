import MeetRTP
import Testing
@testable import MeetSFU

@Suite struct AudioSlotAssignmentTests {
    typealias Assignment = AudioSlotAssignment<String>

    @Test func emptySlotsFillInCandidateOrderWhileNobodySpeaks() {
        var slots = Assignment(slots: 2)
        let changes = slots.assign(candidates: ["a", "b", "c"], levels: [:])
        #expect(slots.occupants == ["a", "b"])
        #expect(changes == [.init(slot: 0, previous: nil, next: "a"), .init(slot: 1, previous: nil, next: "b")])
        // Nothing changed: no changes, nobody moves.
        #expect(slots.assign(candidates: ["a", "b", "c"], levels: [:]).isEmpty)
    }

    @Test func theLoudestTakeTheSlotsOfThoseNoLongerWanted() {
        var slots = Assignment(slots: 2)
        _ = slots.assign(candidates: ["a", "b", "c", "d"], levels: [:])
        // c speaks: it takes the first slot whose occupant is not wanted.
        #expect(slots.assign(candidates: ["a", "b", "c", "d"], levels: ["c": 40]) == [.init(slot: 0, previous: "a", next: "c")])
        // b and d louder than c: b keeps its slot, d evicts c.
        let changes = slots.assign(candidates: ["a", "b", "c", "d"], levels: ["b": 60, "c": 20, "d": 70])
        #expect(slots.occupants == ["d", "b"])
        #expect(changes == [.init(slot: 0, previous: "c", next: "d")])
    }

    @Test func aSpeakerKeepsItsSlotAsLongAsItIsAmongTheLoudest() {
        var slots = Assignment(slots: 2)
        _ = slots.assign(candidates: ["a", "b", "c"], levels: ["c": 50])
        #expect(slots.slot(of: "c") != nil)
        let before = slots.slot(of: "c")
        // Levels change order but c stays in the top two: no switch for it.
        _ = slots.assign(candidates: ["a", "b", "c"], levels: ["a": 80, "c": 30])
        #expect(slots.slot(of: "c") == before)
        // Going silent does not cost c its slot while no one else wants it.
        #expect(slots.assign(candidates: ["a", "b", "c"], levels: ["a": 80]).isEmpty)
    }

    @Test func aSpeakerThatLeavesFreesItsSlotForTheNextCandidate() {
        var slots = Assignment(slots: 2)
        _ = slots.assign(candidates: ["a", "b", "c"], levels: [:])
        let changes = slots.assign(candidates: ["b", "c"], levels: [:])
        #expect(changes == [.init(slot: 0, previous: "a", next: "c")])
        #expect(slots.assign(candidates: [], levels: [:]) == [
            .init(slot: 0, previous: "c", next: nil), .init(slot: 1, previous: "b", next: nil),
        ])
    }

    @Test func resizingIdlesTheExtraSlotsAndVacatingEmptiesOne() {
        var slots = Assignment(slots: 3)
        _ = slots.assign(candidates: ["a", "b", "c"], levels: [:])
        #expect(slots.resize(to: 1) == [.init(slot: 1, previous: "b", next: nil), .init(slot: 2, previous: "c", next: nil)])
        #expect(slots.occupants == ["a"])
        #expect(slots.resize(to: 2).isEmpty)
        #expect(slots.vacate(0) == "a")
        #expect(slots.occupants == [nil, nil])
    }
}

/// A slot's down-track moving from one publisher's audio track to another's
/// continues one stream: the subscriber's sequence numbers go on by one,
/// its timestamps by the time that passed, and NACKs for what the first
/// publisher sent map to nothing in the second's numbering.
@Suite struct AudioSlotHandOverTests {
    @Test func theNextSpeakersPacketsContinueTheSlotsNumbering() {
        var clock = TestClock()
        let first = Router(maximumSubscribersPerTrack: 4)
        let second = Router(maximumSubscribersPerTrack: 4)
        first.addTrack(TrackConfiguration(ssrc: 0xA1, codec: .opus))
        second.addTrack(TrackConfiguration(ssrc: 0xB2, codec: .opus))
        let slotSSRC: UInt32 = 0x5107
        _ = first.addDownTrack(publisherSSRC: 0xA1, subscriber: 1, ssrc: slotSSRC, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        var last: RTPHeader?
        for index in 0..<5 {
            batch.reset()
            _ = first.route(rtp(seq: 100 + UInt16(index), ts: 48_000 + 960 * UInt32(index), ssrc: 0xA1), now: clock.now, batch: batch)
            last = headers(in: batch).first?.header
            clock.advance(.milliseconds(20))
        }
        let taken = first.takeDownTrack(publisherSSRC: 0xA1, subscriber: 1)
        #expect(taken != nil)
        #expect(first.downTracks(of: 1).isEmpty)
        _ = second.addDownTrack(publisherSSRC: 0xB2, subscriber: 1, ssrc: slotSSRC, continuing: taken, now: clock.now)
        clock.advance(.milliseconds(20))
        batch.reset()
        // The second publisher's numbers are nowhere near the first's.
        _ = second.route(rtp(seq: 40_000, ts: 7_000_000, ssrc: 0xB2), now: clock.now, batch: batch)
        let next = headers(in: batch).first?.header
        #expect(next?.ssrc == slotSSRC)
        #expect(next?.sequenceNumber == last.map { $0.sequenceNumber &+ 1 })
        // 40 ms later in 48 kHz ticks.
        #expect(next?.timestamp == last.map { $0.timestamp &+ 1920 })
        // Counts go on (sender reports never count backwards).
        #expect(second.downTracks(of: 1).first?.downTrack.packetsSent == 6)
        // A NACK for a packet the first publisher sent finds nothing to resend.
        #expect(second.downTracks(of: 1).first?.downTrack.munger.mapNACK(last!.sequenceNumber) == nil)
    }
}

/// A large room: a track takes subscribers past its first reservation, up to
/// the router's limit, and refuses the next one (the node logs it).
@Suite struct SubscriberLimitTests {
    @Test func aTrackGrowsPastItsReservationUpToTheLimit() {
        let clock = TestClock()
        let limit = PublishedTrack.initialReservation + 8
        let router = Router(maximumSubscribersPerTrack: limit)
        router.addTrack(TrackConfiguration(ssrc: 0xA1, codec: .opus))
        for subscriber in 0..<limit {
            #expect(router.addDownTrack(publisherSSRC: 0xA1, subscriber: subscriber, ssrc: UInt32(1000 + subscriber), now: clock.now).added)
        }
        #expect(!router.addDownTrack(publisherSSRC: 0xA1, subscriber: limit, ssrc: 9999, now: clock.now).added)
        let batch = PacketBatch(capacity: limit)
        #expect(router.route(rtp(seq: 1, ts: 960, ssrc: 0xA1), now: clock.now, batch: batch).forwarded == limit)
    }
}
