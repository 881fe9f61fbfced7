import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``MeetingRepository`` and ``MemberRepository`` on PostgreSQL.
struct PostgresMeetingRepository: MeetingRepository, MemberRepository {
    let database: Database

    static let columns = """
        m.id, m.code, m.title, m.password_hash, m.waiting_room, m.capacity, m.e2ee, m.status, m.owner_id, m.created_at, m.ended_at
        """

    // MARK: Meetings

    func create(_ meeting: NewMeeting) async throws -> MeetingRecord {
        let logger = self.database.logger
        do {
            return try await self.database.withTransaction { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO meetings AS m (id, code, title, password_hash, waiting_room, capacity, e2ee, owner_id)
                    VALUES (\(UUID()), \(meeting.code), \(meeting.title), \(meeting.passwordHash),
                            \(meeting.waitingRoom), \(meeting.capacity), \(meeting.e2ee), \(meeting.ownerId))
                    RETURNING \(unescaped: Self.columns)
                    """,
                    logger: logger
                ).collect()
                let record = try Self.decodeMeeting(rows[0])
                try await connection.query(
                    "INSERT INTO members (meeting_id, user_id, role) VALUES (\(record.id), \(meeting.ownerId), 'owner')",
                    logger: logger
                )
                return record
            }
        } catch DatabaseError.uniqueViolation(constraint: "meetings_code_key") {
            throw RepositoryError.codeTaken
        }
    }

    func find(code: String) async throws -> MeetingRecord? {
        let rows = try await self.database.query("SELECT \(unescaped: Self.columns) FROM meetings m WHERE m.code = \(code)")
        return try rows.first.map(Self.decodeMeeting)
    }

    func list(memberId: UUID, after cursor: UUID?, limit: Int) async throws -> [(MeetingRecord, MemberRole)] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns), mb.role
            FROM members mb JOIN meetings m ON m.id = mb.meeting_id
            WHERE mb.user_id = \(memberId)
              AND (\(cursor)::uuid IS NULL
                   OR (m.created_at, m.id) < (SELECT c.created_at, c.id FROM meetings c WHERE c.id = \(cursor)))
            ORDER BY m.created_at DESC, m.id DESC
            LIMIT \(limit)
            """
        )
        return try rows.map { row in
            (try Self.decodeMeeting(row), try RowColumns(row).decode("role", as: MemberRole.self))
        }
    }

    func update(id: UUID, changes: MeetingChanges) async throws -> MeetingRecord? {
        let setPassword = changes.passwordHash != .unchanged
        let setCapacity = changes.capacity != .unchanged
        let rows = try await self.database.query(
            """
            UPDATE meetings AS m SET
                title = COALESCE(\(changes.title), m.title),
                password_hash = CASE WHEN \(setPassword) THEN \(changes.passwordHash.value) ELSE m.password_hash END,
                waiting_room = COALESCE(\(changes.waitingRoom), m.waiting_room),
                capacity = CASE WHEN \(setCapacity) THEN \(changes.capacity.value) ELSE m.capacity END,
                updated_at = now()
            WHERE m.id = \(id) AND m.status = 'active'
            RETURNING \(unescaped: Self.columns)
            """
        )
        return try rows.first.map(Self.decodeMeeting)
    }

    func end(id: UUID) async throws -> Bool {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            let rows = try await connection.query(
                """
                UPDATE meetings SET status = 'ended', ended_at = now(), updated_at = now()
                WHERE id = \(id) AND status = 'active' RETURNING id
                """,
                logger: logger
            ).collect()
            guard !rows.isEmpty else { return false }
            try await connection.query(
                """
                UPDATE participants SET status = 'left', left_at = now()
                WHERE meeting_id = \(id) AND status IN ('joining', 'waiting', 'joined')
                """,
                logger: logger
            )
            return true
        }
    }

    // MARK: Members

    func role(meetingId: UUID, userId: UUID) async throws -> MemberRole? {
        let rows = try await self.database.query(
            "SELECT role FROM members WHERE meeting_id = \(meetingId) AND user_id = \(userId)"
        )
        return try rows.first.map { try RowColumns($0).decode("role", as: MemberRole.self) }
    }

    func list(meetingId: UUID) async throws -> [MemberRecord] {
        let rows = try await self.database.query(
            """
            SELECT u.id, u.email, u.display_name, mb.role, mb.created_at
            FROM members mb JOIN users u ON u.id = mb.user_id
            WHERE mb.meeting_id = \(meetingId)
            ORDER BY mb.created_at, u.id
            """
        )
        return try rows.map(Self.decodeMember)
    }

    func add(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord {
        do {
            let rows = try await self.database.query(
                """
                WITH added AS (
                    INSERT INTO members (meeting_id, user_id, role) VALUES (\(meetingId), \(userId), \(role.rawValue))
                    RETURNING user_id, role, created_at
                )
                SELECT u.id, u.email, u.display_name, added.role, added.created_at
                FROM added JOIN users u ON u.id = added.user_id
                """
            )
            return try Self.decodeMember(rows[0])
        } catch DatabaseError.uniqueViolation {
            throw RepositoryError.alreadyMember
        } catch DatabaseError.foreignKeyViolation {
            throw RepositoryError.userNotFound
        }
    }

    func updateRole(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord? {
        let rows = try await self.database.query(
            """
            WITH changed AS (
                UPDATE members SET role = \(role.rawValue)
                WHERE meeting_id = \(meetingId) AND user_id = \(userId)
                RETURNING user_id, role, created_at
            )
            SELECT u.id, u.email, u.display_name, changed.role, changed.created_at
            FROM changed JOIN users u ON u.id = changed.user_id
            """
        )
        return try rows.first.map(Self.decodeMember)
    }

    func remove(meetingId: UUID, userId: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            "DELETE FROM members WHERE meeting_id = \(meetingId) AND user_id = \(userId) RETURNING user_id"
        )
        return !rows.isEmpty
    }

    // MARK: Decoding

    /// A row of ``columns`` (by name).
    static func decodeMeeting(_ row: PostgresRow) throws -> MeetingRecord {
        let columns = RowColumns(row)
        return MeetingRecord(
            id: try columns.decode("id"), code: try columns.decode("code"), title: try columns.decode("title"),
            passwordHash: try columns.decode("password_hash"), waitingRoom: try columns.decode("waiting_room"),
            capacity: try columns.decode("capacity"), e2ee: try columns.decode("e2ee"),
            status: MeetingStatus(rawValue: try columns.decode("status", as: String.self)) ?? .ended,
            ownerId: try columns.decode("owner_id"), createdAt: try columns.decode("created_at"),
            endedAt: try columns.decode("ended_at")
        )
    }

    /// A member row joined with its user: `id, email, display_name, role, created_at`.
    static func decodeMember(_ row: PostgresRow) throws -> MemberRecord {
        let columns = RowColumns(row)
        return MemberRecord(
            userId: try columns.decode("id"), email: try columns.decode("email"),
            displayName: try columns.decode("display_name"), role: try columns.decode("role"),
            addedAt: try columns.decode("created_at"))
    }
}
