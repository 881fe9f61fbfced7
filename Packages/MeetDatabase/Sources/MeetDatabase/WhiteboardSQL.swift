public import Foundation
public import PostgresNIO

/// The whiteboard read both services run (``MeetSchema/version11``):
/// meet-ws for `whiteboard-sync`, meet-api for the SVG export. One
/// statement, so the board's `last_seq`, lock and ops are read at one moment.
public enum WhiteboardSQL {
    /// The board's row and its ops after `after`, ascending; one row with
    /// NULL op columns when it has none after `after`, no row when the
    /// meeting never had a board.
    public static func state(meetingId: UUID, after: Int64) -> PostgresQuery {
        """
        SELECT w.last_seq, w.locked, o.seq, o.participant_id, o.op, o.created_at
        FROM whiteboards w
        LEFT JOIN whiteboard_ops o ON o.meeting_id = w.meeting_id AND o.seq > \(after)
        WHERE w.meeting_id = \(meetingId)
        ORDER BY o.seq
        """
    }

    /// ``state(meetingId:after:)`` read: the board's last `seq`, its lock,
    /// and its stored ops (their JSON as stored).
    public static func read(_ database: Database, meetingId: UUID, after: Int64) async throws
        -> (lastSeq: Int64, locked: Bool, ops: [WhiteboardOpRow])
    {
        let rows = try await database.query(Self.state(meetingId: meetingId, after: after)).map(RowColumns.init)
        guard let first = rows.first else { return (0, false, []) }
        let ops = try rows.compactMap { row -> WhiteboardOpRow? in
            guard let seq = try row.decode("seq", as: Int64?.self) else { return nil }
            return WhiteboardOpRow(
                seq: seq, participantId: try row.decode("participant_id"), op: try row.decode("op"),
                createdAt: try row.decode("created_at"))
        }
        return (try first.decode("last_seq", as: Int64.self), try first.decode("locked", as: Bool.self), ops)
    }
}

/// One stored whiteboard op: its JSON as the client's op was stored.
public struct WhiteboardOpRow: Sendable, Equatable {
    public var seq: Int64
    public var participantId: UUID
    public var op: String
    public var createdAt: Date

    public init(seq: Int64, participantId: UUID, op: String, createdAt: Date) {
        self.seq = seq
        self.participantId = participantId
        self.op = op
        self.createdAt = createdAt
    }
}
