import Foundation
import MeetProtocol
import Testing

/// The waiting room across replicas: host on replica 1, guests on replica 2.
extension SignalingIntegrationTests {
    @Suite struct WaitingRoomTests {
        @Test func admitAndDenyAcrossReplicas() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner, waitingRoom: true)
                let ownerJoin = try await api.join(code, as: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, ownerJoin, name: "host")

                // A guest waits; only the host hears of it.
                let guestJoin = try await api.join(code, guestName: "Gus")
                #expect(guestJoin.status == "waiting")
                let (guest, waiting) = try await SignalClient.joined(cluster, replica: 1, guestJoin, name: "guest", expect: "waiting")
                #expect(waiting.message == .waiting(WaitingData(meetingId: waiting.waitingMeetingId!, participantId: guestJoin.participantId)))
                guard case .admissionRequest(let request) = try await host.expect("admission-request").message else { return }
                #expect(request.participant.id == guestJoin.participantId && request.participant.guest)
                guest.send(.chat(ChatSend(body: "let me in")), id: "x")
                #expect(try await guest.expect("error").errorCode == .waiting)

                // Admitted: the guest gets the room; the host sees the join.
                host.send(.admit(TargetCommand(participantId: guestJoin.participantId)), id: "a")
                #expect(try await host.expect("ack").id == "a")
                let admitted = try await guest.expect("admitted")
                #expect(Set(admitted.snapshot?.participants.map(\.id) ?? []) == [ownerJoin.participantId, guestJoin.participantId])
                #expect(try await host.expect("participant-joined").joinedParticipant?.id == guestJoin.participantId)
                #expect(try await host.expect("admission-resolved").message
                    == .admissionResolved(AdmissionResolved(participantId: guestJoin.participantId, outcome: .admitted, by: ownerJoin.participantId)))
                #expect(try await api.participantStatuses(code, as: owner)[guestJoin.participantId] == "joined")

                // A second guest is denied: told so, closed, and out for good.
                let deniedJoin = try await api.join(code, guestName: "Dora")
                let (denied, _) = try await SignalClient.joined(cluster, replica: 1, deniedJoin, name: "denied", expect: "waiting")
                try await host.expect("admission-request")
                try await guest.expectSilence()  // attendees never see the waiting room
                host.send(.deny(TargetCommand(participantId: deniedJoin.participantId, reason: "not today")), id: "d")
                #expect(try await host.expect("ack").id == "d")
                guard case .denied(let removal) = try await denied.expect("denied").message else { return }
                #expect(removal.reason == "not today")
                #expect(try await denied.closeCode() == 4003)
                #expect(try await host.expect("admission-resolved").message
                    == .admissionResolved(AdmissionResolved(participantId: deniedJoin.participantId, outcome: .denied, by: ownerJoin.participantId)))
                await #expect(throws: (any Error).self) {
                    _ = try await SignalClient.connect(cluster.wsURL(1), token: deniedJoin.token, name: "denied-again")
                }
                // An attendee cannot admit.
                guest.send(.admit(TargetCommand(participantId: deniedJoin.participantId)), id: "g")
                #expect(try await guest.expect("error").errorCode == .forbidden)
                for client in [host, guest] { await client.disconnect() }
            }
        }
    }
}

extension ServerEnvelope {
    var waitingMeetingId: UUID? {
        if case .waiting(let data) = self.message { return data.meetingId }
        return nil
    }
}
