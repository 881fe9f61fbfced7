import Foundation
import MeetProtocol
import Testing

/// Seats that outlive their join token, capacity at the seat, and
/// authorization that follows membership changes (issue #13, items 1, 3, 4a).
extension SignalingIntegrationTests {
    @Suite struct SeatTests {
        /// Join tokens live 10 s here, resume tokens 3 s (renewed every second).
        static let shortTokens = ["MEET_JOIN_TOKEN_TTL_SECONDS": "10", "MEET_WS_RESUME_TOKEN_TTL_SECONDS": "3"]

        /// Connects with `token` until the upgrade is refused (it expired); fails after `timeout`.
        static func waitUntilRefused(_ cluster: Cluster, replica: Int, token: String, timeout: Duration = .seconds(30)) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                guard let probe = try? await SignalClient.connect(cluster.wsURL(replica), token: token, name: "probe") else { return }
                await probe.disconnect()
                try await Task.sleep(for: .milliseconds(500))
            }
            throw ClusterError("the join token was still accepted after \(timeout)")
        }

        @Test func resumeOnAnotherReplicaAfterTheJoinTokenExpired() async throws {
            try await Cluster.with(replicas: 2, environment: Self.shortTokens) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 1, try await api.join(code, as: owner), name: "host")
                let bJoin = try await api.join(code, guestName: "Bo")
                let (b, _) = try await SignalClient.joined(cluster, replica: 0, bJoin, name: "b")
                try await host.expect("participant-joined")

                // The join token expires while b sits in the meeting; b keeps getting fresh resume tokens.
                try await Self.waitUntilRefused(cluster, replica: 1, token: bJoin.token)
                let renewals = await b.credentialsCount
                #expect(renewals >= 3, "credentials renewed \(renewals) times")

                // b's replica dies; b comes back on the other one with its newest resume token.
                cluster.replicas[0].kill9()
                let credentials = try #require(await b.credentials)
                #expect(credentials.expiresAt > Date())
                let resumed = try await SignalClient.connect(cluster.wsURL(1), token: credentials.resumeToken, name: "b2")
                resumed.send(.join, id: "j")
                let snapshot = try #require(try await resumed.expect("joined").snapshot)
                #expect(snapshot.resumed && snapshot.you == bJoin.participantId)
                #expect(try await api.participantStatuses(code, as: owner)[bJoin.participantId] == "joined")
                // Nobody saw b leave, not even after the dead replica's presence would have expired.
                try await host.expectSilence(for: .seconds(Cluster.presenceTTLSeconds + 3))
                resumed.send(.chat(ChatSend(body: "still here")), id: "c")
                #expect(try await host.expect("chat").chatMessage?.body == "still here")
                for client in [host, resumed] { await client.disconnect() }
            }
        }

        @Test func waitingRoomSeatResumesAfterTheJoinTokenExpired() async throws {
            try await Cluster.with(replicas: 2, environment: Self.shortTokens) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner, waitingRoom: true)
                let ownerJoin = try await api.join(code, as: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 1, ownerJoin, name: "host")
                let guestJoin = try await api.join(code, guestName: "Gus")
                let (guest, _) = try await SignalClient.joined(cluster, replica: 0, guestJoin, name: "guest", expect: "waiting")
                try await host.expect("admission-request")
                try await Self.waitUntilRefused(cluster, replica: 1, token: guestJoin.token)

                await guest.disconnect()
                let credentials = try #require(await guest.credentials)
                let back = try await SignalClient.connect(cluster.wsURL(1), token: credentials.resumeToken, name: "guest2")
                back.send(.join, id: "j")
                try await back.expect("waiting")
                try await host.expectSilence(for: .seconds(1))  // no second admission request, no "left"
                host.send(.admit(TargetCommand(participantId: guestJoin.participantId)), id: "a")
                #expect(try await host.expect("ack").id == "a")
                #expect(try await back.expect("admitted").snapshot?.you == guestJoin.participantId)
                for client in [host, back] { await client.disconnect() }
            }
        }

        @Test func aResumeTokenIsRefusedOnceTheSeatIsGone() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let bJoin = try await api.join(code, guestName: "Bo")
                let (b, _) = try await SignalClient.joined(cluster, replica: 0, bJoin, name: "b")
                let credentials = try await Self.firstCredentials(b)
                b.send(.leave, id: "l")
                try await b.expect("ack")
                await #expect(throws: (any Error).self) {
                    _ = try await SignalClient.connect(cluster.wsURL(0), token: credentials.resumeToken, name: "b-again")
                }
            }
        }

        static func firstCredentials(_ client: SignalClient) async throws -> ResumeCredentials {
            for _ in 0..<150 {
                if let credentials = await client.credentials { return credentials }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ClusterError("\(client.name): no credentials within 15 s")
        }

        @Test func capacityIsEnforcedWhenTheSeatIsTaken() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                // Three guests get join tokens while there is room, then the capacity drops to 2.
                let guests = [
                    try await api.join(code, guestName: "G1"), try await api.join(code, guestName: "G2"),
                    try await api.join(code, guestName: "G3"),
                ]
                let ownerJoin = try await api.join(code, as: owner)
                try await api.setCapacity(code, 2, as: owner)

                let (g1, _) = try await SignalClient.joined(cluster, replica: 0, guests[0], name: "g1")
                let (g2, _) = try await SignalClient.joined(cluster, replica: 1, guests[1], name: "g2")
                // Full: the third guest is refused at the seat, on either replica.
                let g3 = try await SignalClient.connect(cluster.wsURL(0), token: guests[2].token, name: "g3")
                g3.send(.join, id: "j3")
                #expect(try await g3.expect("error").errorCode == .meetingFull)
                #expect(try await g3.closeCode() == 4009)
                // The owner always gets in.
                let (host, _) = try await SignalClient.joined(cluster, replica: 1, ownerJoin, name: "host")
                let statuses = try await api.participantStatuses(code, as: owner)
                #expect(statuses.values.filter { $0 == "joined" }.count == 3)
                #expect(statuses[guests[2].participantId] == nil)
                for client in [g1, g2, host] { await client.disconnect() }
            }
        }

        @Test func aDemotedHostLosesHostControlsLiveAndOnResume() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let cohost = try await api.register(name: "Cohost")
                let code = try await api.createMeeting(owner: owner)
                try await api.addMember(code, userId: try #require(cohost.userId), role: "host", as: owner)
                let (ownerSocket, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "owner")
                let cohostJoin = try await api.join(code, as: cohost)
                let (host, joined) = try await SignalClient.joined(cluster, replica: 1, cohostJoin, name: "cohost")
                #expect(joined.snapshot?.role == .host)
                let gJoin = try await api.join(code, guestName: "Gus")
                let (guest, _) = try await SignalClient.joined(cluster, replica: 0, gJoin, name: "guest")
                try await host.first("participant-joined")

                // Demoted over REST: the open socket hears it at once, and so does the room.
                try await api.setRole(code, userId: try #require(cohost.userId), role: "attendee", as: owner)
                let updated = try await host.first("participant-updated")
                guard case .participantUpdated(let event) = updated.message else { return }
                #expect(event.participant.id == cohostJoin.participantId && event.participant.role == .attendee)
                guard case .participantUpdated(let seen) = try await guest.first("participant-updated").message else { return }
                #expect(seen.participant.role == .attendee)

                // Mute and kick are refused on the socket it already had open.
                host.send(.mute(MuteCommand(participantId: gJoin.participantId)), id: "m")
                #expect(try await host.first("error").errorCode == .forbidden)
                host.send(.kick(TargetCommand(participantId: gJoin.participantId)), id: "k")
                #expect(try await host.first("error").errorCode == .forbidden)

                // Reconnecting with the old join token (it still says host) does not make it host again.
                await host.disconnect()
                let (again, rejoined) = try await SignalClient.joined(cluster, replica: 0, cohostJoin, name: "cohost2")
                #expect(rejoined.snapshot?.role == .attendee)
                again.send(.kick(TargetCommand(participantId: gJoin.participantId)), id: "k2")
                #expect(try await again.first("error").errorCode == .forbidden)
                try await guest.expectSilence(for: .milliseconds(300)) // no mute-requested, no kick
                for client in [ownerSocket, guest, again] { await client.disconnect() }
            }
        }

        @Test func aMemberRemovedAfterJoiningWaitsInTheWaitingRoom() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let member = try await api.register(name: "Mem")
                let code = try await api.createMeeting(owner: owner, waitingRoom: true)
                try await api.addMember(code, userId: try #require(member.userId), role: "attendee", as: owner)
                let memberJoin = try await api.join(code, as: member)
                #expect(memberJoin.status == "joining")
                try await api.removeMember(code, userId: try #require(member.userId), as: owner)
                let (socket, _) = try await SignalClient.joined(cluster, replica: 0, memberJoin, name: "member", expect: "waiting")
                await socket.disconnect()
            }
        }

        @Test func aKickSticksUntilAHostLiftsIt() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let user = try await api.register(name: "Usr")
                let code = try await api.createMeeting(owner: owner)
                let (host, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "host")
                let userJoin = try await api.join(code, as: user)
                let (userSocket, _) = try await SignalClient.joined(cluster, replica: 0, userJoin, name: "user")
                let guestJoin = try await api.join(code, guestName: "Gus", deviceId: "device-of-gus-1")
                let (guest, _) = try await SignalClient.joined(cluster, replica: 0, guestJoin, name: "guest")

                for target in [userJoin.participantId, guestJoin.participantId] {
                    host.send(.kick(TargetCommand(participantId: target)), id: "k-\(target)")
                    try await host.first("ack")
                }
                try await userSocket.first("kicked")
                try await guest.first("kicked")

                // Three tries each: the account, the guest with its device id, the guest without it (same address).
                for _ in 0..<3 {
                    #expect(try await api.refusedJoin(code, as: user) == (403, "banned"))
                    #expect(try await api.refusedJoin(code, guestName: "Gus", deviceId: "device-of-gus-1") == (403, "banned"))
                    #expect(try await api.refusedJoin(code, guestName: "Gus") == (403, "banned"))
                }
                // The owner is never banned; another account still gets in.
                _ = try await api.join(code, as: owner)
                _ = try await api.join(code, as: try await api.register(name: "Other"))

                // A host lifts both bans: both may join again.
                let bans = try await api.bans(code, as: owner)
                #expect(bans.count == 2 && Set(bans.map(\.guest)) == [true, false])
                for ban in bans { try await api.liftBan(code, banId: ban.id, as: owner) }
                #expect(try await api.bans(code, as: owner).isEmpty)
                _ = try await api.join(code, as: user)
                _ = try await api.join(code, guestName: "Gus", deviceId: "device-of-gus-1")
                await host.disconnect()
            }
        }
    }
}
