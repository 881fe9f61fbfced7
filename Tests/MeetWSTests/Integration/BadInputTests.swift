import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

/// Refused tokens, bad frames, the rate limit, and meeting isolation.
extension SignalingIntegrationTests {
    @Suite struct BadInputTests {
        @Test func badFramesGetErrorsAndTheSocketStaysOpen() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let (client, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(code, as: owner), name: "a")
                client.sendRaw("{not json")
                #expect(try await client.expect("error").errorCode == .malformedJSON)
                client.sendRaw(#"{"type":"teleport","id":"t1"}"#)
                let unknown = try await client.expect("error")
                #expect(unknown.errorCode == .unknownType && unknown.id == "t1")
                client.sendRaw(#"{"type":"chat","id":"t2","data":{"body":42}}"#)
                #expect(try await client.expect("error").errorCode == .invalidData)
                client.send(.ping(PingData(nonce: "still here")), id: "p")
                #expect(try await client.expect("pong").message == .pong(PingData(nonce: "still here")))

                // Flooding: the excess is refused, the socket survives.
                for n in 0..<120 { client.send(.ping(PingData()), id: "f\(n)") }
                var limited = 0
                for _ in 0..<120 {
                    if try await client.next().errorCode == .rateLimited { limited += 1 }
                }
                #expect(limited > 0)
                try await Task.sleep(for: .seconds(3))
                client.send(.ping(PingData()), id: "after")
                #expect(try await client.expect("pong").id == "after")

                // Over the size limit: error, then close with 1009.
                client.send(.chat(ChatSend(body: String(repeating: "x", count: 100_000))), id: "big")
                #expect(try await client.expect("error").errorCode == .payloadTooLarge)
                #expect(try await client.closeCode() == 1009)
            }
        }

        @Test func forgedExpiredAndMissingTokensAreRefusedAtUpgrade() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register()
                let code = try await api.createMeeting(owner: owner)
                let joined = try await api.join(code, as: owner)
                let url = cluster.wsURL(0)
                await #expect(throws: (any Error).self) { _ = try await SignalClient.connect(url, token: "", name: "none") }
                await #expect(throws: (any Error).self) { _ = try await SignalClient.connect(url, token: "a.b.c", name: "garbage") }
                // Signed with another key.
                let forgerKey = try JWTConfiguration(secret: String(repeating: "f", count: 40))
                let forger = await TokenService(configuration: forgerKey)
                let claims = JoinTokenClaims(
                    meetingId: UUID(), meetingCode: code, participantId: joined.participantId, role: .owner, status: .joining,
                    userId: UUID(), guestId: nil, displayName: "Mallory", issuedAt: Date(), expiresAt: Date())
                let forged = try await forger.makeJoinToken(claims).token
                await #expect(throws: (any Error).self) { _ = try await SignalClient.connect(url, token: forged, name: "forged") }
                // Signed with the right key, an hour ago.
                let secret = try #require(cluster.jwtSecret)
                let realKey = try JWTConfiguration(secret: secret)
                let past = await TokenService(
                    configuration: realKey, joinTokenTTL: .seconds(60),
                    now: { Date().addingTimeInterval(-3600) })
                let expired = try await past.makeJoinToken(claims).token
                await #expect(throws: (any Error).self) { _ = try await SignalClient.connect(url, token: expired, name: "expired") }
                // The genuine token works.
                let (client, _) = try await SignalClient.joined(cluster, replica: 0, joined, name: "ok")
                client.send(.ping(PingData()), id: "p")
                try await client.expect("pong")

                // Health and metrics share the port.
                let base = "http://127.0.0.1:\(cluster.replicas[0].port)"
                let (ready, readyResponse) = try await URLSession.shared.data(from: URL(string: base + "/readyz")!)
                #expect((readyResponse as? HTTPURLResponse)?.statusCode == 200)
                #expect(String(decoding: ready, as: UTF8.self).contains(#""redis":"ok""#))
                let (metrics, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
                let text = String(decoding: metrics, as: UTF8.self)
                for name in ["meet_ws_sockets_open", "meet_ws_messages_in_total{type=\"join\"}",
                             "meet_ws_messages_out_total{type=\"pong\"}", "meet_ws_bus_latency_seconds"] {
                    #expect(text.contains(name), "\(name) missing from /metrics")
                }
                await client.disconnect()
            }
        }

        @Test func aHostOfOneMeetingCannotActInAnother() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let ownerA = try await api.register()
                let ownerB = try await api.register()
                let codeA = try await api.createMeeting(owner: ownerA)
                let codeB = try await api.createMeeting(owner: ownerB)
                let (hostA, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(codeA, as: ownerA), name: "hostA")
                let (hostB, _) = try await SignalClient.joined(cluster, replica: 0, try await api.join(codeB, as: ownerB), name: "hostB")
                let victimJoin = try await api.join(codeB, guestName: "Vic")
                let (victim, _) = try await SignalClient.joined(cluster, replica: 0, victimJoin, name: "victim")
                try await hostB.expect("participant-joined")
                hostA.send(.kick(TargetCommand(participantId: victimJoin.participantId)), id: "k")
                #expect(try await hostA.expect("error").errorCode == .notFound)
                hostA.send(.mute(MuteCommand(participantId: victimJoin.participantId)), id: "m")
                #expect(try await hostA.expect("error").errorCode == .notFound)
                hostA.send(.chat(ChatSend(body: "only in A")), id: "c")
                try await hostA.expect("ack")
                try await hostA.expect("chat")
                try await victim.expectSilence()
                try await hostB.expectSilence(for: .milliseconds(200))
                for client in [hostA, hostB, victim] { await client.disconnect() }
            }
        }
    }
}
