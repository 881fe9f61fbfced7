import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Dynacast (#16 item 5): a node's `sfu.publisher-layers` reaches the
/// publishing participant's socket, on whichever replica holds it, as
/// `publisher-layers`, and nobody else's.
@Suite struct PublisherLayersTests {
    @Test func aNodesLayerEventReachesOnlyThePublishersSocketOnItsReplica() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let (annId, bobId) = (UUID(), UUID())
        let ann = await cluster.connect(replica: 0, meetingId: meeting, participantId: annId, role: .owner, name: "ann")
        await ann.send(.join)
        try await ann.waitFor("joined")
        let bob = await cluster.connect(replica: 1, meetingId: meeting, participantId: bobId, name: "bob")
        await bob.send(.join)
        try await bob.waitFor("joined")
        let node = try await cluster.addNode("n1")

        let layers = PublisherLayers(transportId: "n1-pub-1", sections: [.init(mid: "1", active: ["q", "h"])])
        try await node.reportLayers(room: meeting, participant: bobId.uuidString, layers)
        try await cluster.settle()
        let got = try await bob.waitFor("publisher-layers")
        #expect(got.message == .publisherLayers(layers))
        #expect(got.id == nil)
        #expect(!ann.types.contains("publisher-layers"), "only the publisher is told")

        // An id meet-ws never issued is dropped, nothing breaks.
        try await node.reportLayers(room: meeting, participant: "not-an-id", layers)
        try await node.reportLayers(room: meeting, participant: annId.uuidString, layers)
        try await cluster.settle()
        try await ann.waitFor("publisher-layers")
        #expect(bob.types.filter { $0 == "publisher-layers" }.count == 1)
    }
}
