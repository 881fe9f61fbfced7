import Foundation
import MeetProtocol
import MeetRedis
import Testing

@testable import MeetWS

/// Waiting-room seats across a Redis restart (issue #23): what the hosts
/// hear when the write-back restores a waiting seat, and one that was
/// admitted before the restart. Two replicas over the in-memory bus with
/// the production ``RedisPresenceStore`` on the Redis of `scripts/test`;
/// the restart is the deletion of this test's keys.
@Suite struct RestoredWaitingSeatTests {
    func admissionRequests(_ host: FakeSocket, for id: UUID) -> Int {
        host.frames.filter {
            if case .admissionRequest(let event) = $0.message { return event.participant.id == id }
            return false
        }.count
    }

    /// A host on replica 1, a guest waiting on replica 0 (the host was asked once).
    func waitingGuest(_ redis: RedisClient) async throws -> (InMemoryReplicas, UUID, FakeSocket, FakeSocket, UUID) {
        let cluster = try await InMemoryReplicas(count: 2) { keys in RedisPresenceStore(redis: redis, keys: keys) }
        let meeting = UUID()
        let guestId = UUID()
        let host = await cluster.connect(replica: 1, meetingId: meeting, role: .owner, name: "host")
        await host.send(.join, id: "j")
        try await host.waitFor("joined")
        let guest = await cluster.connect(
            replica: 0, meetingId: meeting, participantId: guestId, status: .waiting, name: "guest")
        await guest.send(.join, id: "j")
        try await guest.waitFor("waiting")
        try await host.waitFor("admission-request")
        return (cluster, meeting, host, guest, guestId)
    }

    @Test func anAdmittedSeatIsWrittenBackJoinedAndNotAskedForAgain() async throws {
        try await withTestRedis { redis in
            let (cluster, meeting, host, guest, guestId) = try await self.waitingGuest(redis)
            defer { cluster.stop() }
            await host.send(.admit(TargetCommand(participantId: guestId)), id: "a")
            try await guest.waitFor("admitted")
            try await cluster.settle()
            #expect(self.admissionRequests(host, for: guestId) == 1)

            let keys = cluster.keys
            try await redis.send("DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch)
            try await cluster.heartbeat(on: 0)
            try await cluster.heartbeat(on: 1)
            try await cluster.heartbeat(on: 0)
            try await cluster.settle()
            // Back as what it is now, a participant: not a waiting seat again.
            #expect(self.admissionRequests(host, for: guestId) == 1, "\(host.types)")
            let stored = try await cluster.replicas[0].presence.list(meetingId: meeting)
            #expect(stored.first { $0.participant.id == guestId }?.status == .joined)
            try await redis.send(
                "DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch, keys.presenceSweepClock)
        }
    }

    @Test func aWaitingSeatIsAskedForOnceMoreAndOnlyOnce() async throws {
        try await withTestRedis { redis in
            let (cluster, meeting, host, _, guestId) = try await self.waitingGuest(redis)
            defer { cluster.stop() }

            let keys = cluster.keys
            try await redis.send("DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch)
            for replica in [0, 1, 0, 1] { try await cluster.heartbeat(on: replica) }
            try await cluster.settle()
            #expect(self.admissionRequests(host, for: guestId) <= 2, "\(host.types)")
            try await redis.send(
                "DEL", keys.presence(meeting), keys.presenceIndex, keys.presenceEpoch, keys.presenceSweepClock)
        }
    }
}
