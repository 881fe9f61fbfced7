import Foundation
import MeetProtocol
import Testing

/// publish / subscribe through real meet-ws processes, Redis and
/// PostgreSQL, with fake SFU nodes that register in the real registry and
/// answer on their real bus inboxes (the real two-node aiortc test is in
/// Tests/e2e/test_sfu_cluster.py).
extension SignalingIntegrationTests {
    @Suite struct MediaRoutingTests {
        @Test func publishSubscribeUnpublishLeaveAcrossNodesAndReplicas() async throws {
            let node1 = try await RedisFakeNode.start(port: 41001)
            let node2 = try await RedisFakeNode.start(port: 41002)
            do {
                try await Cluster.with(replicas: 2, environment: ["MEET_WS_PLACEMENT_HINTS": "true"]) { cluster in
                    try await self.scenario(cluster, node1, node2)
                }
            } catch {
                await node1.stop()
                await node2.stop()
                throw error
            }
            await node1.stop()
            await node2.stop()
        }

        func scenario(_ cluster: Cluster, _ node1: RedisFakeNode, _ node2: RedisFakeNode) async throws {
            let api = APIClient(baseURL: cluster.apiURL)
            let owner = try await api.register()
            let code = try await api.createMeeting(owner: owner)
            let cJoin = try await api.join(code, as: owner)
            let (c, _) = try await SignalClient.joined(cluster, replica: 0, cJoin, name: "c")
            let aJoin = try await api.join(code, guestName: "Ada")
            let (a, _) = try await SignalClient.joined(cluster, replica: 0, aJoin, name: "a")
            let bJoin = try await api.join(code, guestName: "Bo")
            let (b, _) = try await SignalClient.joined(cluster, replica: 1, bJoin, name: "b")
            try await c.expect("participant-joined")
            try await c.expect("participant-joined")
            try await a.expect("participant-joined")

            // Placement honours the hint: A on node 1, B on node 2, each with its node's address.
            a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node1.id)), id: "pa")
            let pubA = try #require(try await a.first("published").published)
            #expect(pubA.nodeId == node1.id && pubA.address == NodeAddress(ip: "127.0.0.1", port: 41001))
            #expect(pubA.tracks.map(\.kind) == [.mic, .camera] && pubA.tracks.allSatisfy { $0.nodeId == node1.id })
            b.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node2.id)), id: "pb")
            let pubB = try #require(try await b.first("published").published)
            #expect(pubB.nodeId == node2.id && pubB.address.port == 41002)
            #expect(try await ParticipantRows.sfuNodeId(aJoin.participantId) == node1.id)

            // C (other replica from B) hears of both publications.
            var seen: [UUID: TracksEvent] = [:]
            while seen.count < 2 {
                if let event = try await c.first("tracks").tracksEvent { seen[event.participantId] = event }
            }
            #expect(seen[aJoin.participantId]?.nodeId == node1.id && seen[bJoin.participantId]?.nodeId == node2.id)
            // A newcomer's snapshot lists every track of the room.
            let (d, dReply) = try await SignalClient.joined(cluster, replica: 1, try await api.join(code, guestName: "Di"), name: "d")
            try await c.first("participant-joined")
            #expect(dReply.snapshot?.tracks.count == 4)
            #expect(Set(dReply.snapshot?.tracks.compactMap(\.nodeId) ?? []) == [node1.id, node2.id])

            // C subscribes to both: each request goes to that publisher's node.
            c.send(.subscribe(SubscribeRequest(participantId: aJoin.participantId)), id: "sa")
            let subA = try #require(try await c.first("subscription").subscriptionOffer)
            #expect(subA.nodeId == node1.id && subA.address.port == 41001 && subA.offer == "v=0 offer from \(node1.id)")
            c.send(.subscribe(SubscribeRequest(participantId: bJoin.participantId)), id: "sb")
            let subB = try #require(try await c.first("subscription").subscriptionOffer)
            #expect(subB.nodeId == node2.id && subB.address.port == 41002)
            #expect(node1.node.requests(SFUControlType.createSubscriber).count == 1)
            #expect(node2.node.requests(SFUControlType.createSubscriber).count == 1)
            c.send(.subscribeAnswer(SubscribeAnswer(transportId: subB.transportId, answer: "v=0 answer")), id: "ab")
            #expect(try await c.first("ack").id == "ab")
            #expect(node2.node.requests(SFUControlType.subscriberAnswer).count == 1)

            // The node drops C's subscriber transport to B on its own: C is told.
            try await node2.node.drop(subB.transportId)
            let closed = try #require(try await c.first("subscription-closed").subscriptionClosed)
            #expect(closed == SubscriptionClosed(transportId: subB.transportId, publisherParticipantId: bJoin.participantId, reason: "ice_failed"))

            // A unpublishes: C's subscription to A closes and the room hears `tracks: []`.
            a.send(.unpublish, id: "u")
            #expect(try await a.first("ack").id == "u")
            var sawClosed = false
            var sawEmpty = false
            while !(sawClosed && sawEmpty) {
                let frame = try await c.next()
                if frame.subscriptionClosed?.transportId == subA.transportId { sawClosed = true }
                if let event = frame.tracksEvent, event.participantId == aJoin.participantId, event.tracks.isEmpty { sawEmpty = true }
            }
            #expect(node1.node.transportIds.isEmpty)
            #expect(try await ParticipantRows.sfuNodeId(aJoin.participantId) == nil)

            // B leaves: node 2 gets close-participant; everyone else hears tracks [] then participant-left.
            b.send(.leave, id: "l")
            #expect(try await b.first("ack").id == "l")
            for watcher in [c, d] {
                var order: [String] = []
                while !order.contains("participant-left") {
                    let frame = try await watcher.next()
                    if frame.tracksEvent?.participantId == bJoin.participantId || frame.leftParticipant != nil {
                        order.append(frame.message.type)
                    }
                }
                #expect(order == ["tracks", "participant-left"], "\(watcher.name)")
            }
            #expect(node2.node.requests(SFUControlType.closeParticipant).first?.contains(bJoin.participantId.uuidString.lowercased()) == true)
            #expect(node2.node.transportIds.isEmpty)
            for client in [a, c, d] { await client.disconnect() }
        }

        @Test func publicationAndSubscriptionsSurviveAResumeOnAnotherReplica() async throws {
            let node = try await RedisFakeNode.start(port: 41004)
            do {
                try await Cluster.with(replicas: 2, environment: ["MEET_WS_PLACEMENT_HINTS": "true"]) { cluster in
                    try await self.resumeScenario(cluster, node)
                }
            } catch {
                await node.stop()
                throw error
            }
            await node.stop()
        }

        func resumeScenario(_ cluster: Cluster, _ node: RedisFakeNode) async throws {
            let api = APIClient(baseURL: cluster.apiURL)
            let owner = try await api.register()
            let code = try await api.createMeeting(owner: owner)
            let aJoin = try await api.join(code, as: owner)
            let (a, _) = try await SignalClient.joined(cluster, replica: 0, aJoin, name: "a")
            let cJoin = try await api.join(code, guestName: "Cy")
            let (c, _) = try await SignalClient.joined(cluster, replica: 0, cJoin, name: "c")
            a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: node.id)), id: "p")
            let published = try #require(try await a.first("published").published)
            c.send(.subscribe(SubscribeRequest(participantId: aJoin.participantId)), id: "s")
            let offer = try #require(try await c.first("subscription").subscriptionOffer)

            // Both sockets drop and come back on the other replica within the grace.
            await a.disconnect()
            await c.disconnect()
            let (a2, aReply) = try await SignalClient.joined(cluster, replica: 1, aJoin, name: "a2")
            #expect(aReply.snapshot?.resumed == true)
            #expect(aReply.snapshot?.tracks.map(\.id) == published.tracks.map(\.id))
            let (c2, _) = try await SignalClient.joined(cluster, replica: 1, cJoin, name: "c2")
            // c still owns its subscription; a still owns its publication.
            c2.send(.subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: "v=0 late answer")), id: "sa")
            #expect(try await c2.first("ack").id == "sa")
            a2.send(.publish(PublishRequest(offer: FakeSDP.audioVideoScreen)), id: "p2")
            let renegotiated = try #require(try await a2.first("published").published)
            #expect(renegotiated.transportId == published.transportId && renegotiated.tracks.count == 3)
            a2.send(.unpublish, id: "u")
            #expect(try await a2.first("ack").id == "u")
            #expect(node.node.requests(SFUControlType.closeTransport).count == 1)
            #expect(try await c2.first("subscription-closed").subscriptionClosed?.transportId == offer.transportId)
            for client in [a2, c2] { await client.disconnect() }
        }

        @Test func noServingNodeAndBadSDPAreClientErrors() async throws {
            try await Cluster.with(replicas: 1, environment: ["MEET_WS_PLACEMENT_HINTS": "true"]) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (a, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "a")
                a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "no-such-node")), id: "x")
                #expect(try await a.expect("error").errorCode == .badRequest)
                a.sendRaw(#"{"type":"publish","id":"y","data":{"offer":17}}"#)
                #expect(try await a.expect("error").errorCode == .invalidData)
                let node = try await RedisFakeNode.start(port: 41003)
                a.send(.publish(PublishRequest(offer: "v=0 bad", nodeId: node.id)), id: "z")
                let refused = try await a.expect("error")
                await node.stop()
                #expect(refused.errorCode == .badSDP && refused.id == "z")
                #expect(node.node.transportIds.isEmpty)
                try await a.expectSilence(for: .milliseconds(300))
                await a.disconnect()
            }
        }
    }
}
