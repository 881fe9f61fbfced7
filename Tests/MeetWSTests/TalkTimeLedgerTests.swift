import Foundation
import Testing
@testable import MeetWS

/// ``TalkTimeLedger`` with a test clock: which seconds a sample marks, that
/// a second is held once however often it is sampled, what a flush takes,
/// and the bound on what waits.
@Suite struct TalkTimeLedgerTests {
    static let ann = UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!
    static let bob = UUID(uuidString: "00000000-0000-0000-0000-00000000000b")!

    /// The seconds held for `participant`, as Unix seconds.
    static func seconds(_ rows: [TalkSecondsRow], of participant: UUID) -> Set<Int64> {
        var result: Set<Int64> = []
        for row in rows where row.participantId == participant {
            for bit in 0..<60 where row.seconds & (UInt64(1) << UInt64(bit)) != 0 { result.insert(row.minute * 60 + Int64(bit)) }
        }
        return result
    }

    @Test func samplesEvery250MsMarkEachSecondOnce() {
        var ledger = TalkTimeLedger(interval: .milliseconds(250))
        // Ann speaks from 119.0 s to 122.75 s (sampled at 119.00 ... 122.75), Bob never.
        var t: Int64 = 119_000
        while t <= 122_750 {
            ledger.sample(speaking: [Self.ann], nowMs: t)
            t += 250
        }
        ledger.sample(speaking: [], nowMs: 123_000)
        let rows = ledger.take()
        #expect(Self.seconds(rows, of: Self.ann) == [119, 120, 121, 122])
        #expect(rows.map(\.minute) == [1, 2], "a row per minute: 119 in minute 1, 120...122 in minute 2")
        #expect(rows.map(\.count).reduce(0, +) == 4)
        #expect(Self.seconds(rows, of: Self.bob).isEmpty)
        #expect(ledger.take().isEmpty, "taken once")
    }

    @Test func aSparseRoundMarksTheSecondsSinceThePreviousOneAndAStallDoesNot() {
        // Rounds every 3 s: each sample covers the seconds that began since the last.
        var ledger = TalkTimeLedger(interval: .seconds(3))
        ledger.sample(speaking: [], nowMs: 10_500)
        ledger.sample(speaking: [Self.ann], nowMs: 13_500)
        #expect(Self.seconds(ledger.take(), of: Self.ann) == [11, 12, 13])
        // A round 60 s late counts at most twice the interval back.
        ledger.sample(speaking: [Self.ann], nowMs: 73_500)
        #expect(Self.seconds(ledger.take(), of: Self.ann) == [68, 69, 70, 71, 72, 73])
        // The first sample of a ledger counts its own second only.
        var fresh = TalkTimeLedger(interval: .seconds(3))
        fresh.sample(speaking: [Self.bob], nowMs: 5_999)
        #expect(Self.seconds(fresh.take(), of: Self.bob) == [5])
    }

    @Test func takeOnlySomeAndRestoreMerges() {
        var ledger = TalkTimeLedger(interval: .milliseconds(250))
        ledger.sample(speaking: [Self.ann, Self.bob], nowMs: 30_000)
        let annRows = ledger.take(only: [Self.ann])
        #expect(Self.seconds(annRows, of: Self.ann) == [30] && Self.seconds(annRows, of: Self.bob).isEmpty)
        // The write failed; meanwhile Ann spoke again: both kept, one row.
        ledger.sample(speaking: [Self.ann], nowMs: 31_000)
        #expect(ledger.restore(annRows) == 0)
        let all = ledger.take()
        #expect(Self.seconds(all, of: Self.ann) == [30, 31] && Self.seconds(all, of: Self.bob) == [30])
        #expect(all.count == 2)
    }

    @Test func whatWaitsIsBounded() {
        var ledger = TalkTimeLedger(interval: .milliseconds(250), maxRows: 3)
        let people = (0..<5).map { _ in UUID() }
        ledger.sample(speaking: Set(people), nowMs: 60_000)
        #expect(ledger.rowCount == 3 && ledger.dropped == 2, "two people's second did not fit")
        // Rows already held still take more seconds.
        let held = ledger.take()
        #expect(held.count == 3)
        ledger.restore(held)
        ledger.sample(speaking: Set(held.map(\.participantId)), nowMs: 61_000)
        #expect(ledger.rowCount == 3 && ledger.take().allSatisfy { $0.count == 2 })
        // A restore past the bound counts what it loses.
        ledger.sample(speaking: Set(people.prefix(3)), nowMs: 200_000)
        #expect(ledger.restore(held) == 3 && ledger.dropped == 5, "a second each")
    }
}
