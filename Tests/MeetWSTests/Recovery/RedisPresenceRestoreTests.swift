import Foundation
import Logging
import MeetProtocol
import MeetRedis
import Testing

@testable import MeetWS

/// ``RedisPresenceStore`` against the real Redis of `scripts/test`, with a
/// key prefix of its own. "Redis restarted empty" is simulated by deleting
/// that prefix's keys (the shared server must not be restarted while other
/// suites use it): the store cannot tell the difference, since the epoch
/// key goes with everything else.
@Suite struct RedisPresenceRestoreTests {
    let meeting = UUID()
    let keys = SignalingKeys(prefix: "it-restore-\(UUID().uuidString.prefix(8))")

    func record(replica: String) -> PresenceRecord {
        PresenceRecord(
            participant: ParticipantInfo(id: UUID(), displayName: "P", role: .attendee, userId: nil, guest: true),
            status: .joined, replicaId: replica, connectionId: UUID())
    }

    func key(_ record: PresenceRecord) -> PresenceKey {
        PresenceKey(meetingId: self.meeting, participantId: record.participant.id)
    }

    /// Deletes everything this suite's prefix has in Redis: what a restart does.
    func emptyRedis(_ redis: RedisClient) async throws {
        try await redis.send("DEL", self.keys.presence(self.meeting), self.keys.presenceIndex, self.keys.presenceEpoch)
    }

    func withRedis(_ body: @Sendable (RedisClient) async throws -> Void) async throws {
        try await withTestRedis { redis in
            try await body(redis)
            try await self.emptyRedis(redis)
        }
    }

    @Test func aRestartLosesNothingOfLiveSocketsAndNobodyIsSweptAsGone() async throws {
        try await self.withRedis { redis in
            let ttl = Duration.seconds(15)
            let replica1 = RedisPresenceStore(redis: redis, keys: self.keys)
            let replica2 = RedisPresenceStore(redis: redis, keys: self.keys)
            var a = self.record(replica: "r1")
            let b = self.record(replica: "r2")
            _ = try await replica1.join(meetingId: self.meeting, record: a, ttl: ttl)
            _ = try await replica2.join(meetingId: self.meeting, record: b, ttl: ttl)
            a.participant.handRaised = true
            #expect(try await replica1.replace(meetingId: self.meeting, record: a))

            try await self.emptyRedis(redis)
            #expect(try await replica1.list(meetingId: self.meeting).isEmpty)
            #expect(try await replica1.sweep(limit: 100).isEmpty)

            try await replica1.heartbeat([self.key(a)], ttl: ttl)
            try await replica2.heartbeat([self.key(b)], ttl: ttl)
            let listed = try await replica2.list(meetingId: self.meeting)
            #expect(Set(listed.map(\.participant.id)) == [a.participant.id, b.participant.id])
            #expect(listed.first { $0.participant.id == a.participant.id } == a)  // the latest record, hand raised
            // Back in the expiry index with a live TTL: not swept, and heartbeats refresh them.
            #expect(try await replica1.sweep(limit: 100).isEmpty)
            let score = try await redis.send("ZSCORE", self.keys.presenceIndex, self.key(a).member)
            #expect(score.string != nil)
        }
    }

    @Test func entriesRemovedOnPurposeStayRemoved() async throws {
        try await self.withRedis { redis in
            let ttl = Duration.seconds(15)
            let replica1 = RedisPresenceStore(redis: redis, keys: self.keys)
            let replica2 = RedisPresenceStore(redis: redis, keys: self.keys)
            let a = self.record(replica: "r1")
            _ = try await replica1.join(meetingId: self.meeting, record: a, ttl: ttl)
            try await replica1.heartbeat([self.key(a)], ttl: ttl)
            // A host on the other replica kicks A; A's socket has not closed yet.
            #expect(try await replica2.remove(self.key(a)) == a)
            try await replica1.heartbeat([self.key(a)], ttl: ttl)
            #expect(try await replica1.get(self.key(a)) == nil)
            // Even a later restart does not bring it back.
            try await self.emptyRedis(redis)
            try await replica1.heartbeat([self.key(a)], ttl: ttl)
            #expect(try await replica1.list(meetingId: self.meeting).isEmpty)
        }
    }

    @Test func aDroppedSocketComesBackForTheRestOfItsGraceAndIsThenSwept() async throws {
        try await self.withRedis { redis in
            let replica1 = RedisPresenceStore(redis: redis, keys: self.keys)
            let a = self.record(replica: "r1")
            _ = try await replica1.join(meetingId: self.meeting, record: a, ttl: .seconds(15))
            // A grace long enough that the restore below lands within it on a loaded machine.
            #expect(try await replica1.disconnect(self.key(a), connectionId: a.connectionId, grace: .seconds(6)))
            try await self.emptyRedis(redis)
            try await replica1.heartbeat([], ttl: .seconds(15))
            #expect(try await replica1.get(self.key(a)) == a)
            // When the grace is over the sweep reports it gone, as without the restart.
            let swept = try await pollSweep(replica1, for: a.participant.id)
            #expect(swept)
        }
    }

    @Test func theStoreAnnouncesReconnectsAsResets() async throws {
        try await self.withRedis { redis in
            let store = RedisPresenceStore(redis: redis, keys: self.keys)
            #expect(try await redis.ping() == "PONG")  // connected before listening
            let resets = store.resets()
            // Redis closes the client's connection (as a restart does): the client reconnects.
            let id = try await redis.send("CLIENT", "ID").integer ?? 0
            _ = try? await redis.send("CLIENT", "KILL", "ID", String(id), "SKIPME", "no")
            let announced = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in resets { return true }
                    return false
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            #expect(announced)
            #expect(try await redis.ping() == "PONG")
        }
    }
}

/// Sweeps until `participant` is reported (its grace ran out), at most 20 s.
private func pollSweep(_ store: RedisPresenceStore, for participant: UUID) async throws -> Bool {
    try await eventually {
        try await store.sweep(limit: 100).contains { $0.record.participant.id == participant }
    }
}
