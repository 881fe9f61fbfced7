import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// The in-memory cluster's settle barrier: once it returns, every cascade
/// started before has run to its end, across replicas, the bus and the
/// SFU events, so a test reads the sockets without waiting.
@Suite struct SettleTests {
    @Test func aSettledClusterHasDeliveredEveryCascade() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        let (a, aId, b, _, _) = try await MediaFlowTests().room(cluster)

        // Client frame → session → PostgreSQL (in memory) → room bus → the other replica's session.
        await b.send(.chat(ChatSend(body: "hi")), id: "c")
        try await cluster.settle()
        #expect(b.frames.contains { $0.id == "c" && $0.message.type == "ack" })
        #expect(a.types.last == "chat")

        // Node event → SFU router → session → presence → room bus → both sockets.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        try await cluster.settle()
        let published = try #require(a.frames.compactMap(\.published).first)
        #expect(b.frames.contains { $0.tracksEvent?.participantId == aId && $0.tracksEvent?.tracks.isEmpty == false })
        try await node.drop(published.transportId)
        try await cluster.settle()
        #expect(b.frames.last?.tracksEvent == TracksEvent(participantId: aId, nodeId: nil, tracks: []))
        #expect(await cluster.participants.sfuNodes[aId] == nil)

        // A dropped socket's session has ended and kept its seat for a resume.
        b.drop()
        try await cluster.settle()
        #expect(await cluster.presence.list(meetingId: try #require(a.frames.first?.snapshot?.meetingId)).count == 2)
        #expect(!a.types.contains("participant-left"))
    }

    /// Detached work counts too: a best-effort request to a lost node that
    /// hangs holds the barrier until the request times out (5 s here), and
    /// the node has it once the barrier returns.
    @Test func theBarrierWaitsForDetachedRequests() async throws {
        let cluster = try await InMemoryReplicas(count: 1, sfuTimeout: .seconds(5))
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        await cluster.watch(on: 0)
        // n1 leaves the registry and stops answering: lost after the stale threshold (3 s here).
        cluster.registry.remove("n1")
        node.setHanging(true)
        cluster.advance(by: .milliseconds(3100))
        await cluster.watch(on: 0)
        let sfu = cluster.replicas[0].sfu
        #expect(sfu.departures.reason("n1") == .nodeLost && sfu.departures.isUnreachable("n1"))

        await sfu.bestEffort(SFUControlType.closeParticipant, CloseParticipantRequest(participantId: "p"), node: "n1")
        await #expect(throws: ClusterError.self) { try await cluster.settle(timeout: .milliseconds(500)) }
        try await cluster.settle()
        #expect(node.requests(SFUControlType.closeParticipant).count == 1)
    }
}
