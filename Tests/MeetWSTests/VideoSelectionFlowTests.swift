import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Last-N through real sessions and hubs over the in-memory bus (#15 item 3):
/// `video-preferences` is answered with `video-selection`, the node gets
/// one `sfu.set-video-selection` for the changed connection, and speaker
/// changes and publishers stopping move the selection; a socket that never
/// sends `video-preferences` leaves its node forwarding everything.
@Suite struct VideoSelectionFlowTests {
    func selections(_ socket: FakeSocket) -> [VideoSelectionData] {
        socket.frames.compactMap { if case .videoSelection(let data) = $0.message { data } else { nil } }
    }

    @Test func preferencesSpeakersAndPublishersMoveTheSelection() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1", port: 10001)
        let meeting = UUID()
        let ids = (0..<4).map { _ in UUID() }
        var sockets: [FakeSocket] = []
        for (index, id) in ids.enumerated() {
            let socket = await cluster.connect(
                replica: index == 1 ? 1 : 0, meetingId: meeting, participantId: id, role: index == 0 ? .owner : .attendee,
                name: "p\(index)")
            await socket.send(.join, id: "j")
            try await socket.waitFor("joined")
            sockets.append(socket)
        }
        // p0, p2 and p3 publish audio and video; p1 watches from the other replica.
        for index in [0, 2, 3] {
            await sockets[index].send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
            try await sockets[index].waitFor("published")
        }
        let viewer = sockets[1]
        var connection = ""
        for index in [0, 2, 3] {
            await viewer.send(.subscribe(SubscribeRequest(participantId: ids[index], perNode: true)), id: "s\(index)")
            connection = try #require(try await viewer.waitFor("subscription") { $0.id == "s\(index)" }.subscriptionOffer).transportId
        }
        #expect(node.requests(SFUControlType.setVideoSelection).isEmpty, "no preference yet: everything forwards")

        // Limit 1, page [p2]: only p2's camera (lower-case id, as the SFU contract names publishers).
        let page = [VideoPreferencesRequest.Tile(participantId: ids[2], source: .camera, maxHeight: 360)]
        await viewer.send(.videoPreferences(VideoPreferencesRequest(limit: 1, tiles: page)), id: "v1")
        let reply = try await viewer.waitFor("video-selection") { $0.id == "v1" }
        #expect(reply.message == .videoSelection(VideoSelectionData(forwarding: [.init(participantId: ids[2], source: .camera)])))
        // The node is told off the session's task (the reply does not wait for it).
        try await cluster.settle()
        #expect(node.videoSelections[connection]
            == [SFUVideoTarget(participantId: ids[2].uuidString.lowercased(), source: .camera, maxHeight: 360)])
        #expect(node.requests(SFUControlType.setVideoSelection).count == 1)

        // Limit 2 following speakers: p3 speaks → the second slot is p3's.
        await viewer.send(.videoPreferences(VideoPreferencesRequest(
            limit: 2, tiles: page, speakers: .init(follow: true, maxHeight: 180))), id: "v2")
        try await viewer.waitFor("video-selection") { $0.id == "v2" }
        try await cluster.settle()
        #expect(node.requests(SFUControlType.setVideoSelection).count == 1, "the same selection is not sent again")
        try await node.reportLevels(room: meeting, [(ids[3], 80)])
        try await cluster.settle()
        await cluster.speakers(on: 1)
        let followed = VideoSelectionData(forwarding: [.init(participantId: ids[2], source: .camera), .init(participantId: ids[3], source: .camera)])
        try await viewer.waitFor("video-selection") { $0.id == nil && $0.message == .videoSelection(followed) }
        try await cluster.settle()
        #expect(node.videoSelections[connection]?.map(\.participantId) == [ids[2], ids[3]].map { $0.uuidString.lowercased() })

        // p3 stops publishing: the event drops it (no other speaker to fill the slot).
        await sockets[3].send(.unpublish, id: "u")
        try await sockets[3].waitFor("ack")
        let alone = VideoSelectionData(forwarding: [.init(participantId: ids[2], source: .camera)])
        try await viewer.waitFor("video-selection") { $0.id == nil && $0.message == .videoSelection(alone) }
        try await cluster.settle()
        #expect(node.videoSelections[connection]?.map(\.participantId) == [ids[2].uuidString.lowercased()])

        // Bounds: too many tiles is bad_request and keeps the last preference.
        let tooMany = Array(repeating: page[0], count: 26)
        await viewer.send(.videoPreferences(VideoPreferencesRequest(limit: 2, tiles: tooMany)), id: "v3")
        #expect(try await viewer.waitFor("error") { $0.id == "v3" }.errorCode == .badRequest)
        #expect(self.selections(viewer).last == alone)
        // Nobody else sent preferences: only the viewer's connection was ever told anything.
        #expect(Set(node.videoSelections.keys) == [connection])
    }
}
