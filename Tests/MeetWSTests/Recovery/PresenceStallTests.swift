import Foundation
import Logging
import MeetProtocol
import MeetRedis
import Testing

@testable import MeetWS

/// A Redis that stalls (frozen, partitioned) keeps its data and its epoch,
/// but nobody can refresh presence meanwhile (issue #23, finding 1): the
/// sweep must not take a stall for departures, and a replica whose heartbeat
/// could not be written must write its sockets back whatever the epoch says.
@Suite struct PresenceStallTests {
    let meeting = UUID()

    func record() -> PresenceRecord {
        PresenceRecord(
            participant: ParticipantInfo(id: UUID(), displayName: "P", role: .attendee, userId: nil, guest: true),
            status: .joined, replicaId: "r1", connectionId: UUID())
    }

    func key(_ record: PresenceRecord) -> PresenceKey {
        PresenceKey(meetingId: self.meeting, participantId: record.participant.id)
    }

    @Test func afterAFailedHeartbeatAMissingSocketIsWrittenBackInTheSameEpoch() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        _ = ledger.afterHeartbeat(named: [self.key(a)], missing: [], epoch: "e1", ttlMs: 3_000, nowMs: 0)
        ledger.heartbeatFailed()
        // Swept while the heartbeat could not get through; the epoch did not change.
        let restores = ledger.afterHeartbeat(
            named: [self.key(a)], missing: [self.key(a)], epoch: "e1", ttlMs: 3_000, nowMs: 1_000)
        #expect(restores == [PresenceLedger.Restore(meetingId: self.meeting, record: a, ttlMs: 3_000, overwrite: true)])
        #expect(ledger.entries[self.key(a)] != nil)
        #expect(!ledger.heartbeatFailedSince)
    }

    @Test func moreThanATTLWithoutAHeartbeatCountsAsAnInterruption() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        _ = ledger.afterHeartbeat(named: [self.key(a)], missing: [], epoch: "e1", ttlMs: 3_000, nowMs: 0)
        let restores = ledger.afterHeartbeat(
            named: [self.key(a)], missing: [self.key(a)], epoch: "e1", ttlMs: 3_000, nowMs: 10_000)
        #expect(restores.map(\.record) == [a])
    }

    @Test func withoutAnInterruptionARemovalInTheSameEpochStaysARemoval() {
        var ledger = PresenceLedger()
        let a = self.record()
        ledger.joined(meetingId: self.meeting, stored: a, epoch: "e1")
        _ = ledger.afterHeartbeat(named: [self.key(a)], missing: [], epoch: "e1", ttlMs: 3_000, nowMs: 0)
        let restores = ledger.afterHeartbeat(
            named: [self.key(a)], missing: [self.key(a)], epoch: "e1", ttlMs: 3_000, nowMs: 1_000)
        #expect(restores.isEmpty)
        #expect(ledger.entries[self.key(a)] == nil)
    }

    /// Against the Redis of `scripts/test`: the sweep clock says no sweep ran
    /// for 60 s (Redis was frozen); an entry whose expiry passed meanwhile is
    /// given a fresh TTL, not swept, and the next sweep (no gap) leaves it.
    /// `stallAfter` is 20 s so that a starved CI machine's pauses between two
    /// sweeps here (seen: over the 2 s this once used) never read as a stall.
    @Test func aSweepAfterAStallExpiresNobody() async throws {
        let keys = SignalingKeys(prefix: "it-stall-\(UUID().uuidString.prefix(8))")
        try await withTestRedis { redis in
            let store = RedisPresenceStore(redis: redis, keys: keys, ttl: .seconds(3), stallAfter: .seconds(20))
            let a = self.record()
            _ = try await store.join(meetingId: self.meeting, record: a, ttl: .seconds(3))
            let time = try await redis.send("TIME").array ?? []
            let nowMs = (Int64(time.first?.string ?? "0") ?? 0) * 1000
            // Expired 50 s ago; the last sweep ran 60 s ago.
            try await redis.send("ZADD", keys.presenceIndex, String(nowMs - 50_000), self.key(a).member)
            try await redis.send("SET", keys.presenceSweepClock, String(nowMs - 60_000))

            #expect(try await store.sweep(limit: 100).isEmpty)
            let score = Int64(try await redis.send("ZSCORE", keys.presenceIndex, self.key(a).member).string ?? "0") ?? 0
            #expect(score > nowMs)
            #expect(try await store.sweep(limit: 100).isEmpty)
            #expect(try await store.get(self.key(a)) == a)

            // Without a stall an expired entry is swept as before.
            try await redis.send("ZADD", keys.presenceIndex, String(nowMs - 50_000), self.key(a).member)
            #expect(try await store.sweep(limit: 100).map(\.record) == [a])
            try await redis.send(
                "DEL", keys.presence(self.meeting), keys.presenceIndex, keys.presenceEpoch, keys.presenceSweepClock)
        }
    }
}
