import Foundation
import MeetCore
import MeetDatabase
import MeetStorage
import PostgresNIO

/// ``AttachmentRepository`` on PostgreSQL (`attachments`, schema version 15).
struct PostgresAttachmentRepository: AttachmentRepository {
    let database: Database

    func insert(_ attachment: StoredAttachment, meetingLimit: Int64) async throws -> Bool {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The meeting row's lock serializes the uploads of one meeting (the total).
            _ = try await connection.query("SELECT id FROM meetings WHERE id = \(attachment.meetingId) FOR UPDATE", logger: logger).collect()
            let rows = try await connection.query(
                "SELECT COALESCE(SUM(size), 0)::bigint AS total FROM attachments WHERE meeting_id = \(attachment.meetingId)", logger: logger
            ).collect()
            guard try RowColumns(rows[0]).decode("total", as: Int64.self) + attachment.size <= meetingLimit else { return false }
            _ = try await connection.query(
                """
                INSERT INTO attachments (id, meeting_id, participant_id, user_id, name, content_type, size, storage, storage_key, created_at)
                VALUES (\(attachment.id), \(attachment.meetingId), \(attachment.participantId), \(attachment.userId), \(attachment.name),
                        \(attachment.contentType), \(attachment.size), \(attachment.storage.rawValue), \(attachment.key), \(attachment.createdAt))
                """, logger: logger
            ).collect()
            return true
        }
    }

    func totalBytes(meetingId: UUID) async throws -> Int64 {
        let rows = try await self.database.query(
            "SELECT COALESCE(SUM(size), 0)::bigint AS total FROM attachments WHERE meeting_id = \(meetingId)")
        return try RowColumns(rows[0]).decode("total", as: Int64.self)
    }

    func lookup(id: UUID) async throws -> AttachmentLookup? {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns),
                   m.id AS m_id, m.participant_id AS m_participant_id, m.user_id AS m_user_id, m.display_name AS m_display_name,
                   m.body AS m_body, m.created_at AS m_created_at, m.recipient_participant_id AS m_recipient, m.to_hosts AS m_to_hosts,
                   r.user_id AS recipient_user_id, m.breakout_room_id AS m_breakout_room_id
            FROM attachments a
            LEFT JOIN messages m ON m.id = a.message_id
            LEFT JOIN participants r ON r.id = m.recipient_participant_id
            WHERE a.id = \(id)
            """)
        guard let row = rows.first.map(RowColumns.init) else { return nil }
        var message: MessageRecord?
        if let messageId = try row.decode("m_id", as: Int64?.self) {
            message = MessageRecord(
                id: messageId, participantId: try row.decode("m_participant_id"), userId: try row.decode("m_user_id"),
                displayName: try row.decode("m_display_name"), body: try row.decode("m_body"), createdAt: try row.decode("m_created_at"),
                toParticipantId: try row.decode("m_recipient"), toHosts: try row.decode("m_to_hosts"))
        }
        return AttachmentLookup(
            attachment: try Self.attachment(row), message: message, recipientUserId: try row.decode("recipient_user_id"),
            breakoutRoomId: try row.decode("m_breakout_room_id"))
    }

    func abandoned(unsentBefore: Date, limit: Int) async throws -> [StoredAttachment] {
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM attachments a
            WHERE a.message_id IS NULL AND (a.meeting_id IS NULL OR a.created_at < \(unsentBefore))
            ORDER BY a.created_at LIMIT \(limit)
            """)
        return try rows.map { try Self.attachment(RowColumns($0)) }
    }

    func isBreakoutMember(roomId: UUID, viewer: MessageViewer) async throws -> Bool {
        // The condition of the chat history (PostgresParticipantRepository.messages).
        let rows = try await self.database.query(
            """
            SELECT 1 FROM breakout_members bm LEFT JOIN participants bp ON bp.id = bm.participant_id
            WHERE bm.room_id = \(roomId) AND (bm.participant_id = \(viewer.participantId) OR bp.user_id = \(viewer.userId))
            LIMIT 1
            """)
        return !rows.isEmpty
    }

    func deleteUnsent(id: UUID, deleteObject: @escaping @Sendable (StoredAttachment) async throws -> Void) async throws -> Bool {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM attachments a
                WHERE a.id = \(id) AND a.message_id IS NULL FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).collect()
            guard let row = rows.first.map(RowColumns.init) else { return false }
            try await deleteObject(try Self.attachment(row))
            try await connection.query("DELETE FROM attachments WHERE id = \(id)", logger: logger)
            return true
        }
    }

    static let columns = """
        a.id, a.meeting_id, a.participant_id, a.user_id, a.message_id, a.name, a.content_type, a.size, a.storage, a.storage_key, \
        a.created_at
        """

    static func attachment(_ row: RowColumns) throws -> StoredAttachment {
        StoredAttachment(
            id: try row.decode("id"), meetingId: try row.decode("meeting_id"), participantId: try row.decode("participant_id"),
            userId: try row.decode("user_id"), messageId: try row.decode("message_id"), name: try row.decode("name"),
            contentType: try row.decode("content_type"), size: try row.decode("size"), storage: try row.decode("storage", as: RecordingStoreKind.self), key: try row.decode("storage_key"),
            createdAt: try row.decode("created_at"))
    }
}
