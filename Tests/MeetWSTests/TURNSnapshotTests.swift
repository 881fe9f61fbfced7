import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing
@testable import MeetWS

/// Snapshots carry TURN credentials minted for their receiver.
@Suite struct TURNSnapshotTests {
    static let urls = ["turn:relay.example.com:3478?transport=udp", "turn:relay.example.com:3478?transport=tcp"]

    @Test func eachParticipantGetsItsOwnCredentialsInEverySnapshot() async throws {
        let turn = try TURNConfiguration(urls: Self.urls, secret: "relay-secret-0123456789", credentialLifetime: .seconds(600))
        let cluster = try await InMemoryReplicas(count: 2, turn: turn)
        defer { cluster.stop() }
        let meeting = UUID()
        let (aId, bId) = (UUID(), UUID())
        let a = await cluster.connect(replica: 0, meetingId: meeting, participantId: aId, role: .owner, name: "a")
        await a.send(.join, id: "1")
        let b = await cluster.connect(replica: 1, meetingId: meeting, participantId: bId, name: "b")
        await b.send(.join, id: "1")
        let aServers = try #require(try await a.waitFor(1)[0].snapshot?.iceServers)
        let bServers = try #require(try await b.waitFor(1)[0].snapshot?.iceServers)

        let credentials = TURNCredentials(configuration: turn)
        for (servers, id) in [(aServers, aId), (bServers, bId)] {
            let server = try #require(servers.first)
            #expect(servers.count == 1 && server.urls == Self.urls)
            let username = try #require(server.username)
            let parts = username.split(separator: ":")
            #expect(parts.count == 2 && parts[1] == id.uuidString.lowercased()[...])
            let expiry = try #require(Int64(parts[0]))
            let now = Int64(Date().timeIntervalSince1970)
            #expect(expiry > now && expiry <= now + 600)
            #expect(server.credential == credentials.password(for: username))
        }
        #expect(aServers != bServers)

        // A resume on the other replica gets credentials too.
        b.drop()
        let b2 = await cluster.connect(replica: 0, meetingId: meeting, participantId: bId, status: .joined, name: "b2")
        await b2.send(.join, id: "2")
        let resumed = try #require(try await b2.waitFor(1)[0].snapshot)
        #expect(resumed.iceServers.first?.username?.hasSuffix(bId.uuidString.lowercased()) == true)
    }

    @Test func noRelayMeansAnEmptyListThatOldMessagesDecodeTo() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let a = await cluster.connect(replica: 0, meetingId: UUID(), role: .owner, name: "a")
        await a.send(.join, id: "1")
        #expect(try await a.waitFor(1)[0].snapshot?.iceServers == [])

        let old = #"{"meetingId":"\#(UUID())","meetingCode":"abc-defg-hij","you":"\#(UUID())","role":"attendee","#
            + #""resumed":false,"participants":[],"waiting":[],"tracks":[]}"#
        let decoded = try JSONDecoder().decode(RoomSnapshot.self, from: Data(old.utf8))
        #expect(decoded.iceServers == [])
    }
}
