import Foundation
import MeetCore
import MeetProtocol
import PostgresNIO

/// ``ParticipantRepository`` on PostgreSQL.
struct PostgresParticipantRepository: ParticipantRepository {
    let database: Database

    private static let columns = "p.id, p.meeting_id, p.user_id, p.guest_id, p.display_name, p.role, p.status, p.created_at, p.joined_at"

    /// The liveness rule of ``ParticipantRepository``, as SQL over alias `p`.
    /// The window is a number from our own configuration, never user input,
    /// so it is written into the SQL text (the query stays one static shape).
    private static func liveCondition(window: Duration) -> String {
        let seconds = max(1, window.components.seconds)
        return """
            (p.status = 'joined'
             OR (p.status IN ('joining', 'waiting')
                 AND (p.ws_node_id IS NOT NULL OR p.created_at > now() - interval '\(seconds) seconds')))
            """
    }

    func admit(_ participant: NewParticipant, liveWindow: Duration) async throws -> AdmitResult {
        let logger = self.database.logger
        let live = Self.liveCondition(window: liveWindow)
        return try await self.database.withTransaction { connection in
            // The row lock serializes joins of one meeting, so the count below
            // cannot be raced past the capacity by concurrent joins.
            let meetings = try await connection.query(
                "SELECT status, capacity FROM meetings WHERE id = \(participant.meetingId) FOR UPDATE",
                logger: logger
            ).collect()
            guard let meeting = meetings.first else { return .notFound }
            let (status, capacity) = try meeting.decode((String, Int?).self)
            guard status == MeetingStatus.active.rawValue else { return .ended }
            // Owners and hosts always get a seat, even past the capacity.
            if let capacity, !participant.role.bypassesCapacity {
                let counted = try await connection.query(
                    "SELECT count(*) FROM participants p WHERE p.meeting_id = \(participant.meetingId) AND \(unescaped: live)",
                    logger: logger
                ).collect()
                let liveCount = try counted[0].decode(Int.self)
                guard liveCount < capacity else { return .full }
            }
            let rows = try await connection.query(
                """
                INSERT INTO participants AS p (id, meeting_id, user_id, guest_id, display_name, role, status)
                VALUES (\(participant.id), \(participant.meetingId), \(participant.userId), \(participant.guestId),
                        \(participant.displayName), \(participant.role.rawValue), \(participant.status.rawValue))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            ).collect()
            return .admitted(try Self.decode(rows[0]))
        }
    }

    func listLive(meetingId: UUID, liveWindow: Duration) async throws -> [ParticipantRecord] {
        let live = Self.liveCondition(window: liveWindow)
        return try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM participants p
            WHERE p.meeting_id = \(meetingId) AND \(unescaped: live)
            ORDER BY p.created_at, p.id
            """
        ).map(Self.decode)
    }

    func find(id: UUID) async throws -> ParticipantRecord? {
        let rows = try await self.database.query("SELECT \(unescaped: Self.columns) FROM participants p WHERE p.id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func messages(meetingId: UUID, before: Int64?, limit: Int) async throws -> [MessageRecord] {
        let rows = try await self.database.query(
            """
            SELECT id, participant_id, user_id, display_name, body, created_at
            FROM messages
            WHERE meeting_id = \(meetingId) AND (\(before)::bigint IS NULL OR id < \(before))
            ORDER BY id DESC
            LIMIT \(limit)
            """
        )
        return try rows.map { row in
            let (id, participantId, userId, name, body, createdAt) =
                try row.decode((Int64, UUID?, UUID?, String, String, Date).self)
            return MessageRecord(
                id: id, participantId: participantId, userId: userId, displayName: name, body: body, createdAt: createdAt
            )
        }
    }

    static func decode(_ row: PostgresRow) throws -> ParticipantRecord {
        let (id, meetingId, userId, guestId, name, role, status, createdAt, joinedAt) =
            try row.decode((UUID, UUID, UUID?, UUID?, String, String, String, Date, Date?).self)
        guard let role = MemberRole(rawValue: role), let status = ParticipantStatus(rawValue: status) else {
            throw DatabaseError.query("unknown participant role or status")
        }
        return ParticipantRecord(
            id: id, meetingId: meetingId, userId: userId, guestId: guestId, displayName: name, role: role,
            status: status, createdAt: createdAt, joinedAt: joinedAt
        )
    }
}

extension MemberRole {
    /// Whether a participant with this role is admitted past the meeting's capacity.
    var bypassesCapacity: Bool { self == .owner || self == .host }
}
