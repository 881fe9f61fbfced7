public import Foundation
public import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// ``BreakoutStore`` on the tables of schema version 14 (`breakouts`,
/// `breakout_assignments`, `breakout_members`). An update runs in one
/// transaction that locks the meeting's `breakouts` row (made on first
/// use), so host actions and timers on any replicas apply one after
/// another; the assignments table is rewritten with the plan, and while
/// rooms are open everyone in one joins its members (its chat history).
public struct PostgresBreakoutStore: BreakoutStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func plan(meetingId: UUID) async throws -> BreakoutPlan? {
        let rows = try await self.database.query("SELECT plan FROM breakouts WHERE meeting_id = \(meetingId)")
        guard let row = rows.first else { return nil }
        return try Self.decode(try RowColumns(row).decode("plan", as: String.self))
    }

    public func update(
        meetingId: UUID, _ change: @escaping @Sendable (inout BreakoutPlan) throws(BreakoutRefusal) -> Void
    ) async throws -> (plan: BreakoutPlan, changed: Bool) {
        let logger = self.database.logger
        let empty = try Self.encode(BreakoutPlan(meetingId: meetingId))
        return try await self.database.withTransaction { connection in
            try await connection.query(
                """
                INSERT INTO breakouts (meeting_id, plan, status) VALUES (\(meetingId), \(empty), 'closed')
                ON CONFLICT (meeting_id) DO NOTHING
                """, logger: logger)
            let rows = try await connection.query(
                "SELECT plan FROM breakouts WHERE meeting_id = \(meetingId) FOR UPDATE", logger: logger
            ).collect()
            guard let row = rows.first else { throw DatabaseError.query("no breakouts row") }
            let before = try Self.decode(try RowColumns(row).decode("plan", as: String.self))
            var plan = before
            try change(&plan)
            guard plan.revision != before.revision else { return (plan, false) }
            let encoded = try Self.encode(plan)
            try await connection.query(
                """
                UPDATE breakouts SET plan = \(encoded), status = \(plan.status.rawValue),
                    next_deadline = \(plan.nextDeadline), updated_at = now()
                WHERE meeting_id = \(meetingId)
                """, logger: logger)
            if plan.assignments != before.assignments {
                try await connection.query("DELETE FROM breakout_assignments WHERE meeting_id = \(meetingId)", logger: logger)
                if !plan.assignments.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO breakout_assignments (meeting_id, participant_id, room_id)
                        SELECT \(meetingId), * FROM unnest(\(plan.assignments.map(\.participantId))::uuid[], \(plan.assignments.map(\.roomId))::uuid[])
                        """, logger: logger)
                }
            }
            if plan.isActive, !plan.assignments.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO breakout_members (meeting_id, participant_id, room_id)
                    SELECT \(meetingId), * FROM unnest(\(plan.assignments.map(\.participantId))::uuid[], \(plan.assignments.map(\.roomId))::uuid[])
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            return (plan, true)
        }
    }

    public func due(now: Date, limit: Int) async throws -> [UUID] {
        let rows = try await self.database.query(
            "SELECT meeting_id FROM breakouts WHERE next_deadline <= \(now) ORDER BY next_deadline LIMIT \(limit)")
        return try rows.map { try RowColumns($0).decode("meeting_id", as: UUID.self) }
    }

    private static func encode(_ plan: BreakoutPlan) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }

    private static func decode(_ text: String) throws -> BreakoutPlan {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode(BreakoutPlan.self, from: Data(text.utf8))
    }
}
