import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``InvitationRepository`` on `invitations` (``MeetSchema``, versions 9 and 13).
struct PostgresInvitationRepository: InvitationRepository {
    let database: Database

    static let columns = """
        i.id, i.meeting_id, m.code, m.title, i.email, i.user_id, i.role, i.status, i.invited_by, i.created_at, i.responded_at, i.secret_hash
        """

    func invite(
        _ invitation: NewInvitation, notices: @escaping @Sendable (InvitationRecord) throws -> Outbox
    ) async throws -> Committed<InvitationRecord> {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The meeting row's lock serializes invitations of one meeting (the count).
            _ = try await connection.query("SELECT id FROM meetings WHERE id = \(invitation.meetingId) FOR UPDATE", logger: logger).collect()
            let existing = try await connection.query(
                "SELECT status FROM invitations WHERE meeting_id = \(invitation.meetingId) AND email = \(invitation.email)",
                logger: logger
            ).collect()
            if let row = existing.first {
                guard try RowColumns(row).decode("status", as: String.self) == "declined" else {
                    throw InvitationRepositoryError.alreadyInvited
                }
            } else {
                let count = try await connection.query(
                    "SELECT count(*) AS total FROM invitations WHERE meeting_id = \(invitation.meetingId)", logger: logger
                ).collect()
                if try RowColumns(count[0]).decode("total", as: Int64.self) >= InvitationLimits.perMeeting {
                    throw InvitationRepositoryError.tooMany
                }
            }
            let rows = try await connection.query(
                """
                WITH saved AS (
                    INSERT INTO invitations AS i (id, meeting_id, email, user_id, role, invited_by, secret_hash)
                    VALUES (\(UUID()), \(invitation.meetingId), \(invitation.email), \(invitation.userId),
                            \(invitation.role.rawValue), \(invitation.invitedBy), \(invitation.secretHash))
                    ON CONFLICT (meeting_id, email) DO UPDATE SET
                        status = 'pending', role = excluded.role, user_id = COALESCE(excluded.user_id, i.user_id),
                        invited_by = excluded.invited_by, responded_at = NULL,
                        secret_hash = CASE WHEN COALESCE(excluded.user_id, i.user_id) IS NULL THEN excluded.secret_hash END
                    RETURNING *
                )
                SELECT \(unescaped: Self.columns) FROM saved i JOIN meetings m ON m.id = i.meeting_id
                """,
                logger: logger
            ).collect()
            let record = try Self.decode(rows[0])
            return Committed(record, stored: try await PostgresOutbox.write(try notices(record), on: connection, logger: logger))
        }
    }

    func find(id: UUID) async throws -> InvitationRecord? {
        let rows = try await self.database.query(
            "SELECT \(unescaped: Self.columns) FROM invitations i JOIN meetings m ON m.id = i.meeting_id WHERE i.id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func list(meetingId: UUID) async throws -> [InvitationRecord] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM invitations i JOIN meetings m ON m.id = i.meeting_id
            WHERE i.meeting_id = \(meetingId) ORDER BY i.created_at, i.id
            """)
        return try rows.map(Self.decode)
    }

    func list(user: UserRecord, limit: Int) async throws -> [InvitationRecord] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM invitations i JOIN meetings m ON m.id = i.meeting_id
            WHERE i.user_id = \(user.id)
            ORDER BY i.created_at DESC, i.id LIMIT \(limit)
            """)
        return try rows.map(Self.decode)
    }

    func respond(id: UUID, user: UserRecord, secretHash: String?, accept: Bool) async throws -> InvitationRecord? {
        let logger = self.database.logger
        let status = accept ? "accepted" : "declined"
        return try await self.database.withTransaction { connection in
            let rows = try await connection.query(
                """
                WITH saved AS (
                    UPDATE invitations i SET status = \(status), user_id = \(user.id), responded_at = now()
                    WHERE i.id = \(id)
                      AND (i.user_id = \(user.id) OR (i.user_id IS NULL AND i.secret_hash IS NOT NULL AND i.secret_hash = \(secretHash)))
                    RETURNING *
                )
                SELECT \(unescaped: Self.columns) FROM saved i JOIN meetings m ON m.id = i.meeting_id
                """,
                logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let record = try Self.decode(row)
            if accept {
                try await connection.query(
                    """
                    INSERT INTO members (meeting_id, user_id, role) VALUES (\(record.meetingId), \(user.id), \(record.role.rawValue))
                    ON CONFLICT (meeting_id, user_id) DO NOTHING
                    """,
                    logger: logger)
            } else {
                try await connection.query(
                    "DELETE FROM members WHERE meeting_id = \(record.meetingId) AND user_id = \(user.id) AND role <> 'owner'",
                    logger: logger)
            }
            return record
        }
    }

    func revoke(id: UUID, meetingId: UUID, notices: Outbox) async throws -> Committed<Bool> {
        try await PostgresOutbox.delete(
            "DELETE FROM invitations WHERE id = \(id) AND meeting_id = \(meetingId) RETURNING id", notices: notices, in: self.database)
    }

    func invitedRole(meetingId: UUID, user: UserRecord) async throws -> MemberRole? {
        let rows = try await self.database.query(
            """
            SELECT role FROM invitations
            WHERE meeting_id = \(meetingId) AND status IN ('pending', 'accepted')
              AND user_id = \(user.id)
            """)
        return try rows.first.map { try RowColumns($0).decode("role", as: MemberRole.self) }
    }

    static func decode(_ row: PostgresRow) throws -> InvitationRecord {
        let columns = RowColumns(row)
        return InvitationRecord(
            id: try columns.decode("id"), meetingId: try columns.decode("meeting_id"), meetingCode: try columns.decode("code"),
            meetingTitle: try columns.decode("title"), email: try columns.decode("email"), userId: try columns.decode("user_id"),
            role: try columns.decode("role"), status: try columns.decode("status"), invitedBy: try columns.decode("invited_by"),
            createdAt: try columns.decode("created_at"), respondedAt: try columns.decode("responded_at"),
            secretHash: try columns.decode("secret_hash"))
    }
}
