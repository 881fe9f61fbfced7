public import Foundation
public import MeetProtocol

/// Where a meeting's whiteboard lives and gets its order (a port): in
/// PostgreSQL in production (``PostgresWhiteboardStore``), so the board
/// survives any meet-ws replica and every replica hands out `seq`s from
/// the same row; in memory for unit tests (``InMemoryWhiteboardStore``).
public protocol WhiteboardStore: Sendable {
    /// Appends `op` to the meeting's board under ``WhiteboardRules``,
    /// atomically with the board's other ops: returns it with its `seq`, or
    /// why it was refused. `asHost` is the sender's role read at this op.
    func append(
        meetingId: UUID, participantId: UUID, op: WhiteboardOp, asHost: Bool, limits: WhiteboardLimits
    ) async throws -> Result<WhiteboardOpEvent, WhiteboardRefusal>
    /// The board's ops after `since` (all when nil), read at one moment.
    func state(meetingId: UUID, since: Int64?) async throws -> WhiteboardStateData
}

/// ``WhiteboardStore`` in memory: one process's boards, for unit tests.
public actor InMemoryWhiteboardStore: WhiteboardStore {
    private struct Board {
        var counters = WhiteboardCounters()
        var ops: [WhiteboardOpEvent] = []
    }

    private var boards: [UUID: Board] = [:]

    public init() {}

    public func append(
        meetingId: UUID, participantId: UUID, op: WhiteboardOp, asHost: Bool, limits: WhiteboardLimits
    ) -> Result<WhiteboardOpEvent, WhiteboardRefusal> {
        var board = self.boards[meetingId] ?? Board()
        let stored = board.ops.first { $0.seq == op.target && op.kind == .erase }
        let target = stored.map { WhiteboardRules.Target(kind: $0.op.kind, bytes: $0.op.storedJSON.utf8.count) }
        switch WhiteboardRules.decide(
            op, bytes: op.storedJSON.utf8.count, asHost: asHost, board: board.counters, target: target, limits: limits)
        {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let counters):
            let event = WhiteboardOpEvent(seq: counters.lastSeq, participantId: participantId, op: op, createdAt: Date())
            if op.kind == .clear { board.ops.removeAll() }
            if op.kind == .erase { board.ops.removeAll { $0.seq == op.target } }
            board.ops.append(event)
            board.counters = counters
            self.boards[meetingId] = board
            return .success(event)
        }
    }

    public func state(meetingId: UUID, since: Int64?) -> WhiteboardStateData {
        let board = self.boards[meetingId] ?? Board()
        let full = since.map { $0 > board.counters.lastSeq } ?? true
        let after = full ? 0 : since ?? 0
        return WhiteboardStateData(
            ops: board.ops.filter { $0.seq > after }, seq: board.counters.lastSeq, locked: board.counters.locked, full: full)
    }
}
