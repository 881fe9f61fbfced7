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
}
