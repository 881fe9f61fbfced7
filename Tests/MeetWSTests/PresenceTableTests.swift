import Foundation
import MeetProtocol
import MeetWS
import Testing

/// Presence rules (resume grace, heartbeat TTL, exactly-once removal) with a test clock.
@Suite struct PresenceTableTests {
    let meeting = UUID()

    func record(_ id: UUID = UUID(), status: PresenceRecord.Status = .joined, replica: String = "r1") -> PresenceRecord {
        PresenceRecord(
            participant: ParticipantInfo(id: id, displayName: "P", role: .attendee, userId: nil, guest: true),
            status: status, replicaId: replica, connectionId: UUID())
    }

    func key(_ record: PresenceRecord) -> PresenceKey {
        PresenceKey(meetingId: self.meeting, participantId: record.participant.id)
    }

    @Test func freshJoinThenResumeWithinGraceKeepsState() {
        let table = TableDriver()
        var first = self.record()
        #expect(table.join(meetingId: self.meeting, record: first, ttlMs: 15_000, nowMs: 0).previous == nil)
        first.participant.media = MediaState(mic: true)
        first.participant.handRaised = true
        #expect(table.replace(meetingId: self.meeting, record: first))
        #expect(table.disconnect(self.key(first), connectionId: first.connectionId, graceMs: 20_000, nowMs: 1_000))
        // Reconnects on another replica 10 s later: a resume, state carried over.
        var second = first
        second.connectionId = UUID()
        second.replicaId = "r2"
        second.participant.media = .off
        second.participant.handRaised = false
        let outcome = table.join(meetingId: self.meeting, record: second, ttlMs: 15_000, nowMs: 11_000)
        #expect(outcome.previous?.connectionId == first.connectionId)
        #expect(outcome.stored.replicaId == "r2")
        #expect(outcome.stored.participant.media == MediaState(mic: true))
        #expect(outcome.stored.participant.handRaised)
        #expect(table.sweep(nowMs: 21_500, limit: 10).isEmpty)
        // The old socket's late disconnect no longer applies.
        #expect(!table.disconnect(self.key(first), connectionId: first.connectionId, graceMs: 1, nowMs: 12_000))
    }

    @Test func dropWithoutResumeExpiresAfterGraceExactlyOnce() {
        let table = TableDriver()
        let record = self.record()
        _ = table.join(meetingId: self.meeting, record: record, ttlMs: 15_000, nowMs: 0)
        _ = table.disconnect(self.key(record), connectionId: record.connectionId, graceMs: 5_000, nowMs: 1_000)
        #expect(table.sweep(nowMs: 5_999, limit: 10).isEmpty)
        let swept = table.sweep(nowMs: 6_000, limit: 10)
        #expect(swept.map(\.record.participant.id) == [record.participant.id])
        #expect(table.sweep(nowMs: 60_000, limit: 10).isEmpty)
        #expect(table.remove(self.key(record)) == nil)
    }

    @Test func heartbeatKeepsAliveAndDeadReplicaExpiresWithinTTL() {
        let table = TableDriver()
        let alive = self.record(replica: "r1")
        let onDeadReplica = self.record(replica: "r2")
        _ = table.join(meetingId: self.meeting, record: alive, ttlMs: 3_000, nowMs: 0)
        _ = table.join(meetingId: self.meeting, record: onDeadReplica, ttlMs: 3_000, nowMs: 0)
        for now in stride(from: Int64(1_000), through: 9_000, by: 1_000) {
            table.heartbeat([self.key(alive)], ttlMs: 3_000, nowMs: now)  // r2 stopped heartbeating
            let swept = table.sweep(nowMs: now, limit: 10)
            if now < 3_000 { #expect(swept.isEmpty) }
            if now == 3_000 { #expect(swept.map(\.record.participant.id) == [onDeadReplica.participant.id]) }
            if now > 3_000 { #expect(swept.isEmpty) }
        }
        #expect(table.list(meetingId: self.meeting).map(\.participant.id) == [alive.participant.id])
    }

    @Test func heartbeatDoesNotResurrectRemovedEntries() {
        let table = TableDriver()
        let record = self.record()
        _ = table.join(meetingId: self.meeting, record: record, ttlMs: 3_000, nowMs: 0)
        #expect(table.remove(self.key(record)) == record)
        table.heartbeat([self.key(record)], ttlMs: 3_000, nowMs: 10)
        #expect(table.get(self.key(record)) == nil)
        #expect(!table.replace(meetingId: self.meeting, record: record))
    }

    @Test func waitingStatusSurvivesResumeUntilAdmittedAndJoinedNeverDemotes() {
        let table = TableDriver()
        var guest = self.record(status: .waiting)
        _ = table.join(meetingId: self.meeting, record: guest, ttlMs: 3_000, nowMs: 0)
        guest.status = .joined  // admitted by a host
        #expect(table.replace(meetingId: self.meeting, record: guest))
        var again = guest
        again.connectionId = UUID()
        again.status = .waiting  // a stale token still says waiting
        #expect(table.join(meetingId: self.meeting, record: again, ttlMs: 3_000, nowMs: 100).stored.status == .joined)
    }

    @Test func removeAllEndsTheMeeting() {
        let table = TableDriver()
        let records = (0..<3).map { _ in self.record() }
        for record in records { _ = table.join(meetingId: self.meeting, record: record, ttlMs: 1_000, nowMs: 0) }
        #expect(Set(table.removeAll(meetingId: self.meeting).map(\.participant.id)) == Set(records.map(\.participant.id)))
        #expect(table.sweep(nowMs: 5_000, limit: 10).isEmpty)
    }

    @Test func memberNamesRoundTrip() {
        let key = PresenceKey(meetingId: UUID(), participantId: UUID())
        #expect(PresenceKey(member: key.member) == key)
        #expect(PresenceKey(member: "garbage") == nil)
    }
}
