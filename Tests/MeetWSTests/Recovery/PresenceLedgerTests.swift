import Foundation
import MeetProtocol
import Testing

@testable import MeetWS

/// The ledger's decisions after a heartbeat, with made-up epochs and times:
/// what a Redis restart lost comes back, what was removed on purpose does not.
@Suite struct PresenceLedgerTests {
    let meeting = UUID()

    func record(connection: UUID = UUID()) -> PresenceRecord {
        PresenceRecord(
            participant: ParticipantInfo(id: UUID(), displayName: "P", role: .attendee, userId: nil, guest: true),
            status: .joined, replicaId: "r1", connectionId: connection)
    }

    func key(_ record: PresenceRecord) -> PresenceKey {
        PresenceKey(meetingId: self.meeting, participantId: record.participant.id)
    }

    @Test func nothingToDoWhileTheStoreKeepsEverything() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        let restores = ledger.afterHeartbeat(named: [self.key(a)], missing: [], epoch: "e1", ttlMs: 15_000, nowMs: 0)
        #expect(restores.isEmpty)
        #expect(ledger.entries[self.key(a)] != nil)
    }

    @Test func aConnectedSocketLostToARestartIsWrittenBackWithItsLatestRecord() {
        var ledger = PresenceLedger()
        var a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        a.participant.handRaised = true
        ledger.observed(meetingId: self.meeting, record: a)
        // Redis restarted: a new epoch, and the entry is gone.
        let restores = ledger.afterHeartbeat(
            named: [self.key(a)], missing: [self.key(a)], epoch: "e2", ttlMs: 15_000, nowMs: 0)
        #expect(restores == [PresenceLedger.Restore(meetingId: self.meeting, record: a, ttlMs: 15_000, overwrite: true)])
        // Written back in the new epoch: the next heartbeat has nothing to do.
        #expect(ledger.afterHeartbeat(named: [self.key(a)], missing: [], epoch: "e2", ttlMs: 15_000, nowMs: 1).isEmpty)
    }

    @Test func anEntryRemovedOnPurposeIsNotWrittenBack() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        // Same epoch, entry missing: another replica kicked it.
        let restores = ledger.afterHeartbeat(
            named: [self.key(a)], missing: [self.key(a)], epoch: "e1", ttlMs: 15_000, nowMs: 0)
        #expect(restores.isEmpty)
        #expect(ledger.entries[self.key(a)] == nil)
    }

    @Test func aDroppedSocketInItsGraceComesBackWithTheGraceLeftAndNoOverwrite() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        ledger.disconnected(self.key(a), connectionId: a.connectionId, graceEndsAtMs: 20_000)
        let restores = ledger.afterHeartbeat(named: [], missing: [], epoch: "e2", ttlMs: 15_000, nowMs: 5_000)
        #expect(restores == [PresenceLedger.Restore(meetingId: self.meeting, record: a, ttlMs: 15_000, overwrite: false)])
        // Once the grace is over the sweep owns it; the ledger forgets it.
        #expect(ledger.afterHeartbeat(named: [], missing: [], epoch: "e3", ttlMs: 15_000, nowMs: 20_000).isEmpty)
        #expect(ledger.entries.isEmpty)
    }

    @Test func readsOfAnotherSocketsRecordDoNotTouchTheLedger() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        var resumedElsewhere = a
        resumedElsewhere.connectionId = UUID()
        resumedElsewhere.replicaId = "r2"
        ledger.observed(meetingId: self.meeting, record: resumedElsewhere)
        #expect(ledger.entries[self.key(a)]?.record == a)
        // A disconnect of a connection the ledger does not hold is ignored.
        ledger.disconnected(self.key(a), connectionId: resumedElsewhere.connectionId, graceEndsAtMs: 1)
        #expect(ledger.entries[self.key(a)]?.graceEndsAtMs == nil)
    }

    @Test func socketsThatLeftTheRoomAreForgottenAfterTwoHeartbeats() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        _ = ledger.afterHeartbeat(named: [], missing: [], epoch: "e1", ttlMs: 15_000, nowMs: 0)
        #expect(ledger.entries[self.key(a)] != nil)  // a join may race one heartbeat
        _ = ledger.afterHeartbeat(named: [], missing: [], epoch: "e2", ttlMs: 15_000, nowMs: 0)
        #expect(ledger.entries.isEmpty)
    }

    @Test func removalsAndEndedMeetingsLeaveTheLedger() {
        var ledger = PresenceLedger()
        let a = self.record(), b = self.record()
        let other = UUID()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        ledger.joined(meetingId: self.meeting, stored: b, epoch: "e1")
        ledger.joined(meetingId: other, stored: self.record(), epoch: "e1")
        ledger.removed(self.key(a))
        #expect(ledger.entries.count == 2)
        ledger.removedAll(meetingId: self.meeting)
        #expect(ledger.entries.count == 1)
        #expect(ledger.entries.values.first?.meetingId == other)
    }
}
