import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// `active-speakers`: the board's ranking, rate limit and bounds, and the
/// event across two replicas and two nodes of the in-memory cluster.
@Suite struct ActiveSpeakerTests {
    static let room = UUID()

    static func report(_ node: String, room: UUID = room, _ levels: [(UUID, Int)]) -> SFUAudioLevelsEvent {
        SFUAudioLevelsEvent(
            nodeId: node, roomId: room.uuidString,
            levels: levels.map { .init(participantId: $0.0.uuidString, level: $0.1) })
    }

    static func ids(_ count: Int) -> [UUID] {
        (0..<count).map { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", $0 + 1))! }
    }

    @Test func boardMergesNodesRanksAndSendsOnlyChangesAtMostOncePerInterval() {
        let p = Self.ids(3)
        var board = ActiveSpeakerBoard(interval: .milliseconds(250))
        let local: Set = [Self.room]
        board.record(Self.report("n1", [(p[0], 40), (p[2], 40)]), nowMs: 0)
        board.record(Self.report("n2", [(p[1], 80), (p[0], 60)]), nowMs: 0)
        let first = board.round(nowMs: 0, localRooms: local)
        #expect(first[Self.room]?.speakers == [
            .init(participantId: p[1], level: 80), .init(participantId: p[0], level: 60), .init(participantId: p[2], level: 40),
        ], "a participant's highest level over the nodes; equal levels by id")
        #expect(board.round(nowMs: 300, localRooms: local).isEmpty, "unchanged: nothing")
        board.record(Self.report("n1", [(p[2], 90)]), nowMs: 310)
        #expect(board.round(nowMs: 320, localRooms: local).isEmpty == false)
        board.record(Self.report("n1", [(p[2], 95)]), nowMs: 330)
        #expect(board.round(nowMs: 400, localRooms: local).isEmpty, "changed, but within 250 ms of the last event")
        #expect(board.round(nowMs: 570, localRooms: local)[Self.room]?.speakers.first == .init(participantId: p[2], level: 95))
        board.record(Self.report("n2", []), nowMs: 600)
        #expect(board.round(nowMs: 900, localRooms: local)[Self.room]?.speakers == [.init(participantId: p[2], level: 95)],
                "an empty report withdraws its node")
    }

    @Test func boardStateIsBounded() {
        let p = Self.ids(40)
        var board = ActiveSpeakerBoard(interval: .milliseconds(250))
        // A report for a room this replica holds no session of is dropped at the next round.
        board.record(Self.report("n1", room: UUID(), [(p[0], 50)]), nowMs: 0)
        #expect(board.round(nowMs: 0, localRooms: [Self.room]).isEmpty)
        #expect(board.roomCount == 0)
        // At most 16 speakers, however many a report names.
        board.record(Self.report("n1", p.enumerated().map { ($1, 100 - $0) }), nowMs: 0)
        #expect(board.round(nowMs: 0, localRooms: [Self.room])[Self.room]?.speakers.count == 16)
        // A node that stops refreshing expires (5 s), and a lost node goes at once.
        board.record(Self.report("n2", [(p[39], 100)]), nowMs: 4000)
        #expect(board.round(nowMs: 5000, localRooms: [Self.room])[Self.room]?.speakers == [.init(participantId: p[39], level: 100)])
        #expect(board.round(nowMs: 5250, localRooms: [Self.room], departedNodes: ["n2"])[Self.room]?.speakers == [])
        #expect(board.roomCount == 0, "no reports and an empty last event: forgotten")
        // Malformed ids are skipped, levels capped.
        board.record(SFUAudioLevelsEvent(nodeId: "n3", roomId: "not-a-uuid", levels: [.init(participantId: "x", level: 5)]), nowMs: 0)
        board.record(SFUAudioLevelsEvent(nodeId: "n3", roomId: Self.room.uuidString, levels: [
            .init(participantId: "x", level: 5), .init(participantId: p[0].uuidString, level: 500),
        ]), nowMs: 6000)
        #expect(board.round(nowMs: 6000, localRooms: [Self.room])[Self.room]?.speakers == [.init(participantId: p[0], level: 100)])
    }

    @Test func everySessionOnEveryReplicaGetsTheRoomsRankingFromEveryNode() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let (annId, bobId) = (UUID(), UUID())
        let ann = await cluster.connect(replica: 0, meetingId: meeting, participantId: annId, role: .owner, name: "ann")
        await ann.send(.join)
        try await ann.waitFor("joined")
        let bob = await cluster.connect(replica: 1, meetingId: meeting, participantId: bobId, name: "bob")
        await bob.send(.join)
        try await bob.waitFor("joined")
        let n1 = try await cluster.addNode("n1")
        let n2 = try await cluster.addNode("n2")
        func round() async throws {
            await cluster.speakers(on: 0)
            await cluster.speakers(on: 1)
            try await cluster.settle()
        }
        func events(_ socket: FakeSocket) -> [[ActiveSpeakers.Speaker]] {
            socket.frames.compactMap { if case .activeSpeakers(let event) = $0.message { event.speakers } else { nil } }
        }

        try await n1.reportLevels(room: meeting, [(annId, 60)])
        try await n2.reportLevels(room: meeting, [(bobId, 85)])
        try await cluster.settle()
        try await round()
        let expected: [ActiveSpeakers.Speaker] = [.init(participantId: bobId, level: 85), .init(participantId: annId, level: 60)]
        #expect(events(ann) == [expected])
        #expect(events(bob) == [expected], "the other replica built the same ranking")

        // A newcomer gets the current ranking right after its snapshot (the
        // room's event goes out only on change).
        let cy = await cluster.connect(replica: 1, meetingId: meeting, participantId: UUID(), name: "cy")
        await cy.send(.join)
        try await cy.waitFor("joined")
        try await cluster.settle()
        #expect(events(cy) == [expected])
        await cy.send(.leave)
        try await cluster.settle()

        // The same reports again (a node's refresh), later rounds: nothing new.
        try await n1.reportLevels(room: meeting, [(annId, 60)])
        cluster.advance(by: .milliseconds(300))
        try await round()
        #expect(events(ann).count == 1 && events(bob).count == 1)

        // A change within the interval waits for it.
        try await n1.reportLevels(room: meeting, [(annId, 95)])
        try await cluster.settle()
        cluster.advance(by: .milliseconds(100))
        try await n2.reportLevels(room: meeting, [])
        try await cluster.settle()
        try await round()
        #expect(events(ann).count == 2, "400 ms after the first event: due")
        #expect(events(ann).last == [.init(participantId: annId, level: 95)])
        try await n1.reportLevels(room: meeting, [])
        try await cluster.settle()
        cluster.advance(by: .milliseconds(100))
        try await round()
        #expect(events(ann).count == 2, "100 ms after the last event: held back")
        cluster.advance(by: .milliseconds(150))
        try await round()
        #expect(events(ann).last == [] && events(bob).last == [], "nobody speaks")
        #expect(events(bob).count == 3)

        // Everyone leaves: the replicas forget the room.
        await ann.send(.leave)
        await bob.send(.leave)
        try await cluster.settle()
        try await n1.reportLevels(room: meeting, [(annId, 50)])
        try await cluster.settle()
        try await round()
        #expect(cluster.replicas.allSatisfy { $0.speakers.roomCount == 0 })
    }
}
