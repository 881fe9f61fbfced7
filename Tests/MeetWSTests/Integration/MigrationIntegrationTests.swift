import Foundation
import MeetProtocol
import Testing

/// Issue #6 through real meet-ws processes, Redis and PostgreSQL, with fake
/// SFU nodes in the real registry: a node's draining event moves its
/// publisher and the publisher's subscriber; a node that vanishes from the
/// registry is declared lost by the replicas' node watchers (real clock,
/// `MEET_WS_SFU_STALE_MS` 1500) and its publisher told `node_lost`.
extension SignalingIntegrationTests {
    @Suite struct MigrationIntegrationTests {
        @Test func drainThenLossMovePublisherAndSubscriber() async throws {
            let node1 = try await RedisFakeNode.start(port: 41011)
            let node2 = try await RedisFakeNode.start(port: 41012)
            let node3 = try await RedisFakeNode.start(port: 41013)
            let nodes = [node1, node2, node3]
            do {
                try await Cluster.with(
                    replicas: 2, environment: ["MEET_WS_PLACEMENT_HINTS": "true", "MEET_WS_NODE_WATCH_MS": "100"]
                ) { cluster in
                    try await self.scenario(cluster, node1, node2, node3)
                }
            } catch {
                for node in nodes { await node.stop() }
                throw error
            }
            for node in nodes { await node.stop() }
        }

        func scenario(_ cluster: Cluster, _ node1: RedisFakeNode, _ node2: RedisFakeNode, _ node3: RedisFakeNode) async throws {
            let api = APIClient(baseURL: cluster.apiURL)
            let owner = try await api.register()
            let code = try await api.createMeeting(owner: owner)
            let aJoin = try await api.join(code, as: owner)
            let (a, _) = try await SignalClient.joined(cluster, replica: 0, aJoin, name: "a")
            let (c, _) = try await SignalClient.joined(cluster, replica: 1, try await api.join(code, guestName: "Cy"), name: "c")
            a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node1.id)), id: "p1")
            let first = try #require(try await a.first("published").published)
            c.send(.subscribe(SubscribeRequest(participantId: aJoin.participantId)), id: "s1")
            let oldSub = try #require(try await c.first("subscription").subscriptionOffer)
            #expect(first.nodeId == node1.id && oldSub.nodeId == node1.id)

            // node1 drains: a is told, moves (hinted to node2), node1 retires the old transport.
            try await node1.node.announceDraining(deadlineMs: Int64(Date().timeIntervalSince1970 * 1000) + 30_000)
            let migrate = try #require(try await a.first("migrate").migrateInstruction)
            #expect(migrate.reason == .nodeDraining && migrate.nodeId == node1.id && migrate.transportId == first.transportId)
            #expect(migrate.targetNodeId != nil && migrate.targetNodeId != node1.id && migrate.publisherParticipantId == nil)
            a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node2.id, replaces: first.transportId)), id: "p2")
            let moved = try #require(try await a.first("published").published)
            #expect(moved.nodeId == node2.id && moved.address.port == 41012 && moved.transportId != first.transportId)
            try await node1.node.waitFor(SFUControlType.retireTransport)
            #expect(node1.node.retired == [first.transportId])
            #expect(try await ParticipantRows.sfuNodeId(aJoin.participantId) == node2.id)
            #expect(try await a.first("tracks").tracksEvent?.nodeId == node2.id)

            // c hears the new node, is told to follow, subscribes anew and drops the old one.
            var sawTracks = false
            var follow: MigrateInstruction?
            while follow == nil {
                let frame = try await c.next()
                if frame.tracksEvent?.nodeId == node2.id { sawTracks = true }
                if let instruction = frame.migrateInstruction {
                    #expect(sawTracks, "tracks comes before migrate")
                    follow = instruction
                }
            }
            #expect(
                follow == MigrateInstruction(
                    reason: .publisherMoved, nodeId: node1.id, transportId: oldSub.transportId,
                    publisherParticipantId: aJoin.participantId, targetNodeId: node2.id))
            c.send(.subscribe(SubscribeRequest(participantId: aJoin.participantId)), id: "s2")
            let newSub = try #require(try await c.first("subscription").subscriptionOffer)
            #expect(newSub.nodeId == node2.id)
            c.send(.unsubscribe(UnsubscribeRequest(transportId: oldSub.transportId)), id: "u1")
            #expect(try await c.first("ack").id == "u1")
            // The retired transport ends on node1: the room keeps a's new tracks.
            try await node1.node.drop(first.transportId, reason: "migrated")
            try await a.expectSilence(for: .milliseconds(500))

            // node2 vanishes (crash: its record is gone, its inbox silent): the watchers declare it lost.
            await node2.stop()
            let lost = try #require(try await a.first("migrate", within: .seconds(10)).migrateInstruction)
            #expect(lost.reason == .nodeLost && lost.nodeId == node2.id && lost.transportId == moved.transportId)
            #expect(lost.targetNodeId != nil && lost.targetNodeId != node2.id && lost.targetNodeId != node1.id)
            a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node3.id, replaces: moved.transportId)), id: "p3")
            #expect(try await a.first("published").published?.nodeId == node3.id)
            #expect(try await ParticipantRows.sfuNodeId(aJoin.participantId) == node3.id)
            // c's subscription on the lost node: unsubscribe answers promptly.
            c.send(.unsubscribe(UnsubscribeRequest(transportId: newSub.transportId)), id: "u2")
            #expect(try await c.first("ack").id == "u2")
            for client in [a, c] { await client.disconnect() }
        }
    }
}
