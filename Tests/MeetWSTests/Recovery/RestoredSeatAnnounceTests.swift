import Foundation
import MeetProtocol
import MeetRedis
import NIOConcurrencyHelpers
import Testing

@testable import MeetWS

/// After Redis restarts empty, each replica writes its own seats back at its
/// next heartbeat; the replicas do not do so at the same instant. A joiner
/// whose snapshot is read in between (bench-outages saw it in 1 of 3 runs,
/// 0.1–0.3 s after the return) misses the seats not written back yet, and
/// must still converge (issue #23): the write-back tells the room.
///
/// Two replicas of real sessions and hubs over the in-memory bus, with the
/// production ``RedisPresenceStore`` (one per replica) on the Redis of
/// `scripts/test`; "Redis restarted empty" is the deletion of this test's
/// keys, which the stores cannot tell from a restart.
@Suite struct RestoredSeatAnnounceTests {
    @Test func aJoinerWhoseSnapshotMissedASeatHearsOfItWhenItIsWrittenBack() async throws {
        try await withTestRedis { redis in
            let cluster = try await InMemoryReplicas(count: 2) { keys in RedisPresenceStore(redis: redis, keys: keys) }
            defer { cluster.stop() }
            _ = try await cluster.addNode("n1", port: 10001)
            let meeting = UUID()
            let bId = UUID()
            let a = await cluster.connect(replica: 0, meetingId: meeting, role: .owner, name: "a")
            await a.send(.join, id: "j")
            try await a.waitFor("joined")
            let b = await cluster.connect(replica: 1, meetingId: meeting, participantId: bId, name: "b")
            await b.send(.join, id: "j")
            try await b.waitFor("joined")
            await b.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
            let published = try #require(try await b.waitFor("published").published)
            try await a.waitFor("tracks") { $0.tracksEvent?.participantId == bId }

            // Redis comes back empty; replica 0 writes its seat back first.
            let keys = cluster.keys
            try await redis.send("DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch)
            try await cluster.heartbeat(on: 0)
            let c = await cluster.connect(replica: 0, meetingId: meeting, name: "c")
            await c.send(.join, id: "j")
            let snapshot = try #require(try await c.waitFor("joined").snapshot)
            #expect(!snapshot.participants.contains { $0.id == bId })  // the race: b is not back yet
            #expect(snapshot.tracks.isEmpty)

            // Replica 1's write-back tells the room: c learns of b and its tracks.
            try await cluster.heartbeat(on: 1)
            let joined = try await c.waitFor("participant-joined") { $0.joinedParticipant?.id == bId }
            #expect(joined.joinedParticipant?.displayName == "b")
            let tracks = try #require(try await c.waitFor("tracks") { $0.tracksEvent?.participantId == bId }.tracksEvent)
            #expect(tracks == TracksEvent(participantId: bId, nodeId: "n1", tracks: published.tracks))
            // b is not told about itself.
            try await cluster.settle()
            #expect(!b.frames.contains { $0.joinedParticipant?.id == bId })
            try await redis.send(
                "DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch, keys.presenceSweepClock)
        }
    }

    /// With one replica nobody else heartbeats or sweeps: the write-back
    /// must come from this replica's reaction to the reconnect itself, not
    /// from a peer or the next tick (the TTL here is 10 minutes, so the
    /// next tick is 200 s away).
    @Test func aSingleReplicaWritesItsSeatsBackWhenRedisReconnects() async throws {
        try await withTestRedis { redis in
            let stores = NIOLockedValueBox<[RedisPresenceStore]>([])
            let cluster = try await InMemoryReplicas(count: 1, presenceTTL: .seconds(600)) { keys in
                let store = RedisPresenceStore(redis: redis, keys: keys)
                stores.withLockedValue { $0.append(store) }
                return store
            }
            defer { cluster.stop() }
            let store = try #require(stores.withLockedValue { $0.first })
            let meeting = UUID()
            let aId = UUID()
            let a = await cluster.connect(replica: 0, meetingId: meeting, participantId: aId, role: .owner, name: "a")
            await a.send(.join, id: "j")
            try await a.waitFor("joined")
            let maintenance = Task { await PresenceMaintenance(services: cluster.replicas[0]).heartbeats() }
            defer { maintenance.cancel() }
            // The first tick has run: what follows is the reconnect's doing.
            #expect(try await eventually { store.ledger.withLockedValue { $0.lastHeartbeatMs != nil } })

            // Redis restarts empty: everything gone, the client's connection closed.
            let keys = cluster.keys
            try await redis.send("DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch)
            let id = try await redis.send("CLIENT", "ID").integer ?? 0
            _ = try? await redis.send("CLIENT", "KILL", "ID", String(id), "SKIPME", "no")

            let back = try await eventually {
                (try? await store.list(meetingId: meeting))?.contains { $0.participant.id == aId } ?? false
            }
            #expect(back)
            try await redis.send(
                "DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch, keys.presenceSweepClock)
        }
    }
}
