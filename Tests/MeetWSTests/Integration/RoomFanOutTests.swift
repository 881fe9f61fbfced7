import Foundation
import MeetProtocol
import Testing

/// Clients spread over two replicas see every event exactly once and in
/// order per sender; chat lands in PostgreSQL and the REST history.
extension SignalingIntegrationTests {
    @Suite struct RoomFanOutTests {
        @Test func eventsAcrossReplicasExactlyOnceInOrder() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register(name: "Owner")
                let code = try await api.createMeeting(owner: owner)

                // Four people, alternating replicas; each later join is announced to the earlier ones.
                var clients: [SignalClient] = []
                var ids: [UUID] = []
                for index in 0..<4 {
                    let joined: APIClient.Joined
                    if index == 0 {
                        joined = try await api.join(code, as: owner)
                    } else {
                        joined = try await api.join(code, guestName: "Guest \(index)")
                    }
                    let (client, reply) = try await SignalClient.joined(cluster, replica: index % 2, joined, name: "p\(index)")
                    #expect(reply.snapshot?.participants.count == index + 1)
                    #expect(reply.snapshot?.tracks == [])
                    for earlier in clients {
                        #expect(try await earlier.expect("participant-joined").joinedParticipant?.id == joined.participantId)
                    }
                    clients.append(client)
                    ids.append(joined.participantId)
                }

                // Everyone sends five chat messages at once.
                let perSender = 5
                for (index, client) in clients.enumerated() {
                    for n in 0..<perSender { client.send(.chat(ChatSend(body: "p\(index)-\(n)")), id: "c\(index)-\(n)") }
                }
                for (index, client) in clients.enumerated() {
                    var received: [UUID: [String]] = [:]
                    var acks = 0
                    while acks < perSender || received.values.map(\.count).reduce(0, +) < perSender * clients.count {
                        let frame = try await client.next()
                        switch frame.message {
                        case .ack: acks += 1
                        case .chat(let message): received[message.participantId, default: []].append(message.body)
                        default: Issue.record("p\(index): unexpected \(frame.message.type)")
                        }
                    }
                    for (sender, senderId) in ids.enumerated() {
                        #expect(received[senderId] == (0..<perSender).map { "p\(sender)-\($0)" }, "p\(index) from p\(sender)")
                    }
                    try await client.expectSilence()
                }

                let history = try await api.messageBodies(code, as: owner)
                #expect(Set(history) == Set((0..<4).flatMap { sender in (0..<perSender).map { "p\(sender)-\($0)" } }))
                for client in clients { await client.disconnect() }
            }
        }

        @Test func mediaAndHandUpdatesReachEveryone() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (a, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "a")
                let bJoin = try await api.join(code, guestName: "Bea")
                let (b, _) = try await SignalClient.joined(cluster, replica: 1, bJoin, name: "b")
                try await a.expect("participant-joined")
                b.send(.media(MediaUpdate(mic: true, camera: true)), id: "m")
                try await b.expect("ack")
                b.send(.hand(HandUpdate(raised: true)), id: "h")
                // Everyone (the sender too) sees both updates in order; the sender's
                // acks travel apart from the broadcast, so they may interleave.
                for client in [a, b] {
                    var updates: [ParticipantInfo] = []
                    var acks = 0
                    while updates.count < 2 || (client === b && acks < 1) {
                        let frame = try await client.next()
                        switch frame.message {
                        case .participantUpdated(let event): updates.append(event.participant)
                        case .ack: acks += 1
                        default: Issue.record("\(client.name): unexpected \(frame.message.type)")
                        }
                    }
                    #expect(updates.map(\.media) == [MediaState(mic: true, camera: true), MediaState(mic: true, camera: true)])
                    #expect(updates.map(\.handRaised) == [false, true])
                    try await client.expectSilence(for: .milliseconds(300))
                }
                // A newcomer's snapshot carries the state.
                let (c, reply) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, guestName: "Cy"), name: "c")
                let bea = reply.snapshot?.participants.first { $0.id == bJoin.participantId }
                #expect(bea?.media.mic == true && bea?.handRaised == true)
                for client in [a, b, c] { await client.disconnect() }
            }
        }
    }
}
