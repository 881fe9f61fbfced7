import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// The board's rule (``WhiteboardRules``) and the in-memory store that
/// applies it: who may, the bounds, and compaction on clear and erase.
@Suite struct WhiteboardRulesTests {
    static let stroke = WhiteboardOp(kind: .stroke, points: [1, 1, 2, 2])
    let limits = WhiteboardLimits(maxOps: 3, maxBytes: 10_000)

    func decide(_ op: WhiteboardOp, host: Bool = false, board: WhiteboardCounters = .init(), target: WhiteboardRules.Target? = nil)
        -> Result<WhiteboardCounters, WhiteboardRefusal>
    {
        WhiteboardRules.decide(op, bytes: 100, asHost: host, board: board, target: target, limits: self.limits)
    }

    @Test func hostOnlyOpsAndTheLock() {
        for kind in [WhiteboardOpKind.clear, .lock, .unlock] {
            #expect(self.decide(WhiteboardOp(kind: kind)) == .failure(.hostsOnly))
            #expect((try? self.decide(WhiteboardOp(kind: kind), host: true).get()) != nil)
        }
        let locked = WhiteboardCounters(lastSeq: 4, opCount: 1, opBytes: 100, locked: true)
        #expect(self.decide(Self.stroke, board: locked) == .failure(.locked))
        #expect(self.decide(WhiteboardOp(kind: .erase, target: 1), board: locked, target: .init(kind: .line, bytes: 50)) == .failure(.locked))
        #expect(self.decide(Self.stroke, host: true, board: locked) == .success(WhiteboardCounters(lastSeq: 5, opCount: 2, opBytes: 200, locked: true)))
    }

    @Test func boundsRefuseUntilAClear() {
        let full = WhiteboardCounters(lastSeq: 9, opCount: 3, opBytes: 300)
        #expect(self.decide(Self.stroke, board: full) == .failure(.full))
        #expect(self.decide(Self.stroke, board: WhiteboardCounters(lastSeq: 1, opCount: 1, opBytes: 9_950)) == .failure(.full))
        // A clear always fits, and leaves only itself.
        #expect(self.decide(WhiteboardOp(kind: .clear), host: true, board: full) == .success(WhiteboardCounters(lastSeq: 10, opCount: 1, opBytes: 100)))
        // An erase replaces its target: it fits a full board that it does not grow.
        #expect(self.decide(WhiteboardOp(kind: .erase, target: 2), board: full, target: .init(kind: .stroke, bytes: 120))
            == .success(WhiteboardCounters(lastSeq: 10, opCount: 3, opBytes: 280)))
        #expect(self.decide(WhiteboardOp(kind: .erase, target: 2), board: full) == .failure(.noTarget))
        #expect(self.decide(WhiteboardOp(kind: .erase, target: 2), board: full, target: .init(kind: .lock, bytes: 20)) == .failure(.noTarget))
    }

    @Test func theStoreOrdersCompactsAndAnswersSince() async throws {
        let store = InMemoryWhiteboardStore()
        let meeting = UUID()
        let who = UUID()
        func append(_ op: WhiteboardOp, host: Bool = false) async -> Result<WhiteboardOpEvent, WhiteboardRefusal> {
            await store.append(meetingId: meeting, participantId: who, op: op, asHost: host, limits: self.limits)
        }
        #expect(try await append(Self.stroke).get().seq == 1)
        #expect(try await append(Self.stroke).get().seq == 2)
        #expect(try await append(WhiteboardOp(kind: .erase, target: 1)).get().seq == 3)
        #expect(try await append(Self.stroke).get().seq == 4)
        #expect(await append(Self.stroke) == .failure(.full))
        let state = await store.state(meetingId: meeting, since: nil)
        #expect(state.ops.map(\.seq) == [2, 3, 4] && state.full && state.seq == 4)
        #expect(await store.state(meetingId: meeting, since: 3).ops.map(\.seq) == [4])
        #expect(await store.state(meetingId: meeting, since: 99).full)  // a since past the board: all of it
        #expect(try await append(WhiteboardOp(kind: .clear), host: true).get().seq == 5)
        #expect(await store.state(meetingId: meeting, since: 2).ops.map(\.seq) == [5])
        #expect(try await append(Self.stroke).get().seq == 6)
        // Another meeting's board is its own.
        #expect(try await store.append(meetingId: UUID(), participantId: who, op: Self.stroke, asHost: false, limits: self.limits).get().seq == 1)
    }
}
