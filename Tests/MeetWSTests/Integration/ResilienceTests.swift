import Foundation
import MeetProtocol
import Testing

/// Resume on another replica without churn; a replica killed with SIGKILL.
extension SignalingIntegrationTests {
    @Suite struct ResilienceTests {
        @Test func resumeOnTheOtherReplicaWithoutChurn() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "host")
                let bJoin = try await api.join(code, guestName: "Bo")
                let (b, _) = try await SignalClient.joined(cluster, replica: 0, bJoin, name: "b")
                try await host.expect("participant-joined")
                b.send(.hand(HandUpdate(raised: true)), id: "h")
                try await b.expect("ack")
                try await host.expect("participant-updated")

                // The connection drops; the client comes back on the other replica with the same token.
                await b.disconnect()
                try await Task.sleep(for: .milliseconds(500))
                let (resumed, reply) = try await SignalClient.joined(cluster, replica: 1, bJoin, name: "b2")
                let snapshot = try #require(reply.snapshot)
                #expect(snapshot.resumed)
                #expect(snapshot.participants.first { $0.id == bJoin.participantId }?.handRaised == true)
                // Nobody saw b leave or join, not even after the grace period ends.
                try await host.expectSilence(for: .seconds(Cluster.resumeGraceSeconds + 2))
                // Events still flow both ways through the new replica.
                resumed.send(.chat(ChatSend(body: "back")), id: "c")
                #expect(try await host.expect("chat").chatMessage?.body == "back")
                #expect(try await api.participantStatuses(code, as: owner)[bJoin.participantId] == "joined")
                for client in [host, resumed] { await client.disconnect() }
            }
        }

        @Test func droppedWithoutResumeLeavesAfterGrace() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "host")
                let bJoin = try await api.join(code, guestName: "Bo")
                let (b, _) = try await SignalClient.joined(cluster, replica: 1, bJoin, name: "b")
                try await host.expect("participant-joined")
                await b.disconnect()
                let left = try await host.expect("participant-left", within: .seconds(Cluster.resumeGraceSeconds + 10))
                #expect(left.leftParticipant == ParticipantLeft(participantId: bJoin.participantId, reason: .timeout))
                try await host.expectSilence(for: .seconds(1))
                await host.disconnect()
            }
        }

        @Test func killedReplicaParticipantsLeaveWithinTTL() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "host")
                let cJoin = try await api.join(code, guestName: "Cy")
                let (c, _) = try await SignalClient.joined(cluster, replica: 1, cJoin, name: "c")
                try await host.expect("participant-joined")
                let doomedJoin = try await api.join(code, guestName: "Doomed")
                let (doomed, _) = try await SignalClient.joined(cluster, replica: 1, doomedJoin, name: "doomed")
                for watcher in [host, c] { try await watcher.expect("participant-joined") }

                // Replica 2 holds c and the doomed one; kill it without warning.
                let killedAt = ContinuousClock.now
                cluster.replicas[1].kill9()
                var left: [ParticipantLeft] = []
                for _ in 0..<2 {
                    left.append(try #require(try await host.expect("participant-left", within: .seconds(15)).leftParticipant))
                }
                #expect(ContinuousClock.now - killedAt < .seconds(15))
                #expect(left.allSatisfy { $0.reason == .timeout })
                #expect(Set(left.map(\.participantId)) == [cJoin.participantId, doomedJoin.participantId])
                _ = (c, doomed)
                try await host.expectSilence(for: .seconds(1))
                let statuses = try await api.participantStatuses(code, as: owner)
                #expect(statuses[doomedJoin.participantId] == nil)
                await host.disconnect()
            }
        }
    }
}
