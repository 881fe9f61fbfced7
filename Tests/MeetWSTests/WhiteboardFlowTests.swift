import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// The whiteboard across two replicas (docs/signaling.md, Whiteboard): one
/// order from one authority, late joiners, and authorization against the
/// role the participant store has at each op.
@Suite struct WhiteboardFlowTests {
    static let stroke = WhiteboardOp(kind: .stroke, points: [10, 10, 20, 20, 30, 15], color: "#112233", width: 4)

    func seqs(_ socket: FakeSocket) -> [Int64] {
        socket.frames.compactMap { if case .whiteboardOp(let event) = $0.message { event.seq } else { nil } }
    }

    func error(_ socket: FakeSocket, id: String) async throws -> SignalingError? {
        let frame = try await socket.waitFor("error") { $0.id == id }
        if case .error(let error) = frame.message { return error }
        return nil
    }

    @Test func opsReachEveryReplicaInOneOrderAndLateJoinersGetTheBoard() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .owner, name: "host")
        let guest = try await cluster.joined(replica: 1, meetingId: meeting, name: "guest")

        for index in 0..<3 {
            await guest.send(.whiteboardOp(Self.stroke), id: "g\(index)")
            await host.send(.whiteboardOp(WhiteboardOp(kind: .text, points: [5, 50], text: "<b>hi</b>")), id: "h\(index)")
        }
        try await cluster.settle()
        #expect(self.seqs(host).sorted() == Array(1...6))
        #expect(Set(self.seqs(guest)) == Set(self.seqs(host)))
        var onHost = WhiteboardBoard()
        var onGuest = WhiteboardBoard()
        for frame in host.frames { if case .whiteboardOp(let event) = frame.message { onHost.receive(event) } }
        for frame in guest.frames { if case .whiteboardOp(let event) = frame.message { onGuest.receive(event) } }
        #expect(onHost == onGuest && onHost.items.count == 6)
        // The ack names the op's seq: the one the room heard from the guest.
        let ack = try await guest.waitFor("ack") { $0.id == "g0" }
        let guestSeqs = guest.frames.compactMap {
            if case .whiteboardOp(let event) = $0.message, event.op == Self.stroke { String(event.seq) } else { nil }
        }
        #expect(ack.message.ackMessageId.map(guestSeqs.contains) == true)

        await guest.send(.whiteboardOp(WhiteboardOp(kind: .erase, target: 1)), id: "e")
        try await cluster.settle()
        let late = try await cluster.joined(replica: 1, meetingId: meeting, name: "late")
        await late.send(.whiteboardSync(WhiteboardSyncRequest()), id: "s")
        let reply = try await late.waitFor("whiteboard-state")
        guard case .whiteboardState(let state) = reply.message else { throw ClusterError("no state") }
        var board = WhiteboardBoard()
        board.load(state)
        onHost.receive(try #require(self.lastOp(host)))
        #expect(state.full && state.seq == 7 && state.ops.count == 6)  // the erased stroke is not kept
        #expect(board.items == onHost.items && board.items.count == 5)
    }

    func lastOp(_ socket: FakeSocket) -> WhiteboardOpEvent? {
        socket.frames.compactMap { if case .whiteboardOp(let event) = $0.message { event } else { nil } }.max { $0.seq < $1.seq }
    }

    @Test func lockedBoardAndClearFollowTheRoleAtEachOp() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .host, name: "host")
        let guestId = UUID()
        let guest = try await cluster.joined(replica: 1, meetingId: meeting, participantId: guestId, name: "guest")

        await guest.send(.whiteboardOp(WhiteboardOp(kind: .clear)), id: "c")
        #expect(try await self.error(guest, id: "c")?.code == .forbidden)
        await guest.send(.whiteboardOp(WhiteboardOp(kind: .lock)), id: "l")
        #expect(try await self.error(guest, id: "l")?.code == .forbidden)
        await host.send(.whiteboardOp(WhiteboardOp(kind: .lock)), id: "l")
        try await host.waitFor("ack") { $0.id == "l" }
        await guest.send(.whiteboardOp(Self.stroke), id: "d")
        let locked = try await self.error(guest, id: "d")
        #expect(locked?.code == .forbidden && locked?.message.contains("locked") == true)
        await host.send(.whiteboardOp(Self.stroke), id: "d")
        try await host.waitFor("ack") { $0.id == "d" }

        // Promoted in the store (meet-api's member routes): allowed at the next op, token or not.
        await cluster.participants.setRole(guestId, .host)
        await guest.send(.whiteboardOp(Self.stroke), id: "d2")
        try await guest.waitFor("ack") { $0.id == "d2" }
        await guest.send(.whiteboardOp(WhiteboardOp(kind: .clear)), id: "c2")
        try await guest.waitFor("ack") { $0.id == "c2" }
        try await cluster.settle()
        await host.send(.whiteboardSync(WhiteboardSyncRequest(since: 0)), id: "s")
        let reply = try await host.waitFor("whiteboard-state")
        guard case .whiteboardState(let state) = reply.message else { throw ClusterError("no state") }
        // Compacted: only the clear is kept; the lock outlives it.
        #expect(state.ops.map(\.op.kind) == [.clear] && state.locked && state.seq == 4)
    }

    @Test func badOpsAreRefusedNamingTheProblem() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let guest = try await cluster.joined(replica: 0, meetingId: UUID(), name: "guest")
        let tooLong = Array(repeating: 5, count: (WhiteboardOp.maxPoints + 1) * 2)
        await guest.send(.whiteboardOp(WhiteboardOp(kind: .stroke, points: tooLong)), id: "p")
        #expect(try await self.error(guest, id: "p")?.message.contains("\(WhiteboardOp.maxPoints) points") == true)
        await guest.send(.whiteboardOp(WhiteboardOp(kind: .erase, target: 99)), id: "e")
        #expect(try await self.error(guest, id: "e")?.code == .notFound)
        try await cluster.settle()
        #expect(self.seqs(guest).isEmpty)
    }
}

extension ServerMessage {
    fileprivate var ackMessageId: String? {
        if case .ack(let data) = self { data.messageId } else { nil }
    }
}
