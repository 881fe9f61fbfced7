import Foundation
import MeetDatabase
import MeetProtocol

/// A meeting's whiteboard as meet-ws keeps it (docs/signaling.md,
/// Whiteboard), read for the export: meet-api never writes it.
protocol WhiteboardRepository: Sendable {
    /// The board as its stored ops make it (an empty board when it never had one).
    func board(meetingId: UUID) async throws -> WhiteboardBoard
}

/// ``WhiteboardRepository`` on the tables meet-ws writes (``MeetSchema``, version 11).
struct PostgresWhiteboardRepository: WhiteboardRepository {
    let database: Database

    func board(meetingId: UUID) async throws -> WhiteboardBoard {
        let read = try await WhiteboardSQL.read(self.database, meetingId: meetingId, after: 0)
        let ops = try read.ops.map {
            try WhiteboardOpEvent(seq: $0.seq, participantId: $0.participantId, storedJSON: $0.op, createdAt: $0.createdAt)
        }
        var board = WhiteboardBoard()
        board.load(WhiteboardStateData(ops: ops, seq: read.lastSeq, locked: read.locked, full: true))
        return board
    }
}

/// ``WhiteboardRepository`` in memory (unit tests seed it with ops).
actor MemoryWhiteboardRepository: WhiteboardRepository {
    private var boards: [UUID: WhiteboardBoard] = [:]

    func board(meetingId: UUID) -> WhiteboardBoard {
        self.boards[meetingId] ?? WhiteboardBoard()
    }

    /// Applies `events` to the meeting's board, as meet-ws would have stored them.
    func record(_ events: [WhiteboardOpEvent], meetingId: UUID) {
        var board = self.boards[meetingId] ?? WhiteboardBoard()
        for event in events { board.receive(event) }
        self.boards[meetingId] = board
    }
}
