import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Sessions and hubs of two replicas over the in-memory bus: the production
/// logic with in-memory adapters and a manual clock.
@Suite struct HubFlowTests {
    @Test func roomEventsCrossReplicasOnceAndResumeIsSilent() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, role: .owner, name: "a")
        await a.send(.join, id: "1")
        #expect(try await a.waitFor(1).first?.message.type == "joined")
        let bId = UUID()
        let b = await cluster.connect(replica: 1, meetingId: meeting, participantId: bId, name: "b")
        await b.send(.join, id: "1")
        try await b.waitFor(1)
        #expect(try await a.waitFor(2)[1].message.type == "participant-joined")

        await b.send(.chat(ChatSend(body: "one")), id: "c1")
        await b.send(.chat(ChatSend(body: "two")), id: "c2")
        let aFrames = try await a.waitFor(4)
        #expect(aFrames.suffix(2).compactMap { if case .chat(let m) = $0.message { m.body } else { nil } } == ["one", "two"])
        #expect(await cluster.participants.chats.map(\.body) == ["one", "two"])

        // b drops and comes back on replica 0 within the grace: nobody hears of it.
        b.drop()
        try await cluster.settle()
        cluster.advance(by: .seconds(10))
        try await cluster.sweep(on: 0)
        let b2 = await cluster.connect(replica: 0, meetingId: meeting, participantId: bId, status: .joined, name: "b2")
        await b2.send(.join, id: "2")
        let resumed = try await b2.waitFor(1)[0]
        #expect(resumed.snapshot?.resumed == true)
        cluster.advance(by: .seconds(12))  // past the old grace (20 s), within b2's fresh TTL (15 s)
        try await cluster.sweep(on: 1)
        try await cluster.settle()
        #expect(a.types == ["joined", "participant-joined", "chat", "chat"])
        #expect(await cluster.participants.status(bId) == .joined)
    }

    @Test func expiredPresenceIsAnnouncedOnceWhateverTheNumberOfSweepers() async throws {
        let cluster = try await InMemoryReplicas(count: 3)
        defer { cluster.stop() }
        let meeting = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, role: .owner, name: "a")
        await a.send(.join)
        try await a.waitFor(1)
        let goneId = UUID()
        let gone = await cluster.connect(replica: 2, meetingId: meeting, participantId: goneId, name: "gone")
        await gone.send(.join)
        try await gone.waitFor(1)
        try await a.waitFor(2)
        // Replica 2 "dies": no more heartbeats; the TTL passes; every live replica sweeps.
        cluster.advance(by: .seconds(10))
        try await cluster.heartbeat(on: 0)
        try await cluster.heartbeat(on: 1)
        cluster.advance(by: .seconds(6))
        async let first: Void = cluster.sweep(on: 0)
        async let second: Void = cluster.sweep(on: 1)
        _ = try await (first, second)
        let frames = try await a.waitFor(3)
        try await cluster.settle()
        #expect(a.types.filter { $0 == "participant-left" }.count == 1)
        #expect(frames[2].leftParticipant == ParticipantLeft(participantId: goneId, reason: .timeout))
        #expect(await cluster.participants.status(goneId) == .left)
    }

    @Test func kickClosesTheTargetOnItsReplicaAndBlocksRejoin() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = await cluster.connect(replica: 0, meetingId: meeting, role: .host, name: "host")
        await host.send(.join)
        try await host.waitFor(1)
        let targetId = UUID()
        let target = await cluster.connect(replica: 1, meetingId: meeting, participantId: targetId, name: "target")
        await target.send(.join)
        try await target.waitFor(1)
        try await host.waitFor(2)
        await host.send(.kick(TargetCommand(participantId: targetId)), id: "k")
        let hostFrames = try await host.waitFor(4)
        #expect(Set(hostFrames.suffix(2).map(\.message.type)) == ["ack", "participant-left"])
        #expect(try await target.waitFor(2).last?.message.type == "kicked")
        try await cluster.settle()
        #expect(target.closeCode == CloseCode.kicked)
        #expect(await cluster.participants.status(targetId) == .kicked)
        // Ended and banned in one call (one PostgreSQL transaction).
        #expect(await cluster.participants.kicks == [targetId])
        #expect(await cluster.participants.bans == [targetId])
        let again = await cluster.connect(replica: 0, meetingId: meeting, participantId: targetId, status: .kicked, name: "again")
        await again.send(.join, id: "j")
        #expect(try await again.waitFor(1)[0].errorCode == .forbidden)
    }
}

extension ServerEnvelope {
    var snapshot: RoomSnapshot? {
        switch self.message {
        case .joined(let snapshot), .admitted(let snapshot): snapshot
        default: nil
        }
    }

    var errorCode: SignalingErrorCode? {
        if case .error(let error) = self.message { return error.code }
        return nil
    }

    var leftParticipant: ParticipantLeft? {
        if case .participantLeft(let left) = self.message { return left }
        return nil
    }
}
