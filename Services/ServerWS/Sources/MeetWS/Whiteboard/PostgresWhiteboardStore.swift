public import Foundation
public import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// ``WhiteboardStore`` on ``MeetSchema/version11``: the board's row, locked
/// for each op, is the authority that orders them, whichever replica
/// takes the op; the ops outlive any replica, and a late joiner reads them.
public struct PostgresWhiteboardStore: WhiteboardStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func append(
        meetingId: UUID, participantId: UUID, op: WhiteboardOp, asHost: Bool, limits: WhiteboardLimits
    ) async throws -> Result<WhiteboardOpEvent, WhiteboardRefusal> {
        let logger = self.database.logger
        let json = op.storedJSON
        return try await self.database.withTransaction { connection in
            try await connection.query(
                "INSERT INTO whiteboards (meeting_id) VALUES (\(meetingId)) ON CONFLICT (meeting_id) DO NOTHING", logger: logger)
            // The row lock serializes this meeting's ops: one `seq` after another.
            let boards = try await connection.query(
                "SELECT last_seq, op_count, op_bytes, locked FROM whiteboards WHERE meeting_id = \(meetingId) FOR UPDATE",
                logger: logger
            ).collect()
            guard let row = boards.first.map(RowColumns.init) else { throw DatabaseError.query("no whiteboard row") }
            let board = WhiteboardCounters(
                lastSeq: try row.decode("last_seq"), opCount: try row.decode("op_count", as: Int.self),
                opBytes: try row.decode("op_bytes", as: Int.self), locked: try row.decode("locked"))
            var target: WhiteboardRules.Target?
            if op.kind == .erase, let seq = op.target {
                let rows = try await connection.query(
                    "SELECT kind, octet_length(op) AS bytes FROM whiteboard_ops WHERE meeting_id = \(meetingId) AND seq = \(seq)",
                    logger: logger
                ).collect()
                if let stored = rows.first.map(RowColumns.init), let kind = WhiteboardOpKind(rawValue: try stored.decode("kind")) {
                    target = WhiteboardRules.Target(kind: kind, bytes: try stored.decode("bytes", as: Int.self))
                }
            }
            let next: WhiteboardCounters
            switch WhiteboardRules.decide(op, bytes: json.utf8.count, asHost: asHost, board: board, target: target, limits: limits) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let counters): next = counters
            }
            let inserted = try await connection.query(
                """
                INSERT INTO whiteboard_ops (meeting_id, seq, participant_id, kind, op)
                VALUES (\(meetingId), \(next.lastSeq), \(participantId), \(op.kind.rawValue), \(json))
                RETURNING created_at
                """,
                logger: logger
            ).collect()
            let createdAt = try inserted.first.map(RowColumns.init)?.decode("created_at", as: Date.self) ?? Date()
            if op.kind == .clear {
                try await connection.query(
                    "DELETE FROM whiteboard_ops WHERE meeting_id = \(meetingId) AND seq < \(next.lastSeq)", logger: logger)
            } else if op.kind == .erase, let seq = op.target {
                try await connection.query("DELETE FROM whiteboard_ops WHERE meeting_id = \(meetingId) AND seq = \(seq)", logger: logger)
            }
            try await connection.query(
                """
                UPDATE whiteboards SET last_seq = \(next.lastSeq), op_count = \(Int32(next.opCount)),
                    op_bytes = \(Int64(next.opBytes)), locked = \(next.locked)
                WHERE meeting_id = \(meetingId)
                """,
                logger: logger)
            return .success(WhiteboardOpEvent(seq: next.lastSeq, participantId: participantId, op: op, createdAt: createdAt))
        }
    }

    public func state(meetingId: UUID, since: Int64?) async throws -> WhiteboardStateData {
        let read = try await WhiteboardSQL.read(self.database, meetingId: meetingId, after: since ?? 0)
        // A `since` past the board (it was never that far) gets the whole board.
        if let since, since > read.lastSeq { return try await self.state(meetingId: meetingId, since: nil) }
        return WhiteboardStateData(
            ops: try read.ops.map {
                try WhiteboardOpEvent(seq: $0.seq, participantId: $0.participantId, storedJSON: $0.op, createdAt: $0.createdAt)
            },
            seq: read.lastSeq, locked: read.locked, full: since == nil)
    }
}
