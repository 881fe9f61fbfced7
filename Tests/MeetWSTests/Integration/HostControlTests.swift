import Foundation
import MeetProtocol
import Testing

/// Mute, kick, end: allowed for hosts, refused for attendees, across replicas.
extension SignalingIntegrationTests {
    @Suite struct HostControlTests {
        @Test func muteAndKickByHostRefusedForAttendee() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let ownerJoin = try await api.join(code, as: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, ownerJoin, name: "host")
                let bJoin = try await api.join(code, guestName: "Bo")
                let (b, _) = try await SignalClient.joined(cluster, replica: 1, bJoin, name: "b")
                let (c, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, guestName: "Cy"), name: "c")
                try await host.expect("participant-joined")
                try await host.expect("participant-joined")
                try await b.expect("participant-joined")

                // An attendee may not.
                b.send(.mute(MuteCommand(participantId: ownerJoin.participantId)), id: "m1")
                #expect(try await b.expect("error").errorCode == .forbidden)
                b.send(.kick(TargetCommand(participantId: ownerJoin.participantId)), id: "k1")
                let refused = try await b.expect("error")
                #expect(refused.errorCode == .forbidden && refused.id == "k1")

                // The host may: the mute request reaches b on the other replica.
                host.send(.mute(MuteCommand(participantId: bJoin.participantId, kind: .camera)), id: "m2")
                #expect(try await host.expect("ack").id == "m2")
                guard case .muteRequested(let request) = try await b.expect("mute-requested").message else { return }
                #expect(request == MuteRequested(kind: .camera, by: ownerJoin.participantId))

                host.send(.kick(TargetCommand(participantId: bJoin.participantId, reason: "spam")), id: "k2")
                #expect(try await host.expect("ack").id == "k2")
                guard case .kicked(let removal) = try await b.expect("kicked").message else { return }
                #expect(removal.by == ownerJoin.participantId && removal.reason == "spam")
                #expect(try await b.closeCode() == 4001)
                for watcher in [host, c] {
                    let left = try await watcher.expect("participant-left").leftParticipant
                    #expect(left == ParticipantLeft(participantId: bJoin.participantId, reason: .kicked))
                    try await watcher.expectSilence()
                }
                // Kicked means out: PostgreSQL says so and the same token is refused.
                #expect(try await api.participantStatuses(code, as: owner)[bJoin.participantId] == nil)
                await #expect(throws: (any Error).self) {
                    _ = try await SignalClient.connect(cluster.wsURL(0), token: bJoin.token, name: "b-again")
                }
                for client in [host, c] { await client.disconnect() }
            }
        }

        @Test func endMeetingClosesEverySocket() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "host")
                let (b, _) = try await SignalClient.joined(cluster, replica: 1, try await api.join(code, guestName: "Bo"), name: "b")
                try await host.expect("participant-joined")
                b.send(.endMeeting, id: "e1")
                #expect(try await b.expect("error").errorCode == .forbidden)
                host.send(.endMeeting, id: "e2")
                #expect(try await host.expect("ack").id == "e2")
                for client in [host, b] {
                    try await client.expect("meeting-ended")
                    #expect(try await client.closeCode() == 4004)
                }
                #expect(try await api.meetingStatus(code, as: owner) == "ended")
            }
        }
    }
}
