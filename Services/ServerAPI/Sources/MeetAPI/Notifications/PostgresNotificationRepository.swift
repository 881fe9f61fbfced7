import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``NotificationRepository`` on `notifications` and `user_settings` (``MeetSchema``, version 7).
struct PostgresNotificationRepository: NotificationRepository {
    let database: Database

    func add(_ notifications: [NewNotification]) async throws -> [StoredNotification] {
        guard !notifications.isEmpty else { return [] }
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await Self.insert(notifications, on: connection, logger: logger)
        }
    }

    /// Inserts `notifications` on `connection` (an ``Outbox`` writes them in
    /// its change's transaction); returns those stored (a dedupe key that
    /// exists already skips one).
    static func insert(_ notifications: [NewNotification], on connection: PostgresConnection, logger: Logger) async throws -> [StoredNotification] {
        var stored: [StoredNotification] = []
        for item in notifications {
            let rows = try await connection.query(
                """
                WITH saved AS (
                    INSERT INTO notifications (id, user_id, kind, meeting_id, title, body, dedupe_key)
                    VALUES (\(UUID()), \(item.userId), \(item.kind), \(item.meetingId), \(item.title), \(item.body), \(item.dedupeKey))
                    ON CONFLICT (dedupe_key) DO NOTHING
                    RETURNING *
                )
                SELECT n.id, n.kind, m.code, n.title, n.body, n.created_at, n.read_at
                FROM saved n LEFT JOIN meetings m ON m.id = n.meeting_id
                """,
                logger: logger
            ).collect()
            stored += try rows.map { StoredNotification(userId: item.userId, notification: try Self.decode($0)) }
        }
        return stored
    }

    func list(userId: UUID, after cursor: UUID?, unreadOnly: Bool, limit: Int) async throws -> [NotificationResponse] {
        let rows = try await self.database.query(
            """
            SELECT n.id, n.kind, m.code, n.title, n.body, n.created_at, n.read_at
            FROM notifications n LEFT JOIN meetings m ON m.id = n.meeting_id
            WHERE n.user_id = \(userId) AND (NOT \(unreadOnly) OR n.read_at IS NULL)
              AND (\(cursor)::uuid IS NULL
                   OR (n.created_at, n.id) < (SELECT c.created_at, c.id FROM notifications c WHERE c.id = \(cursor) AND c.user_id = \(userId)))
            ORDER BY n.created_at DESC, n.id DESC
            LIMIT \(limit)
            """)
        return try rows.map(Self.decode)
    }

    func markRead(userId: UUID, id: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            """
            UPDATE notifications SET read_at = COALESCE(read_at, now())
            WHERE id = \(id) AND user_id = \(userId) RETURNING id
            """)
        return !rows.isEmpty
    }

    func markAllRead(userId: UUID) async throws {
        _ = try await self.database.query(
            "UPDATE notifications SET read_at = now() WHERE user_id = \(userId) AND read_at IS NULL")
    }

    func reminderMinutes(userId: UUID) async throws -> Int? {
        let rows = try await self.database.query("SELECT reminder_minutes FROM user_settings WHERE user_id = \(userId)")
        guard let row = rows.first else { return NotificationLimits.defaultReminderMinutes }
        return try RowColumns(row).decode("reminder_minutes", as: Int32?.self).map(Int.init)
    }

    func setReminderMinutes(userId: UUID, _ minutes: Int?) async throws {
        _ = try await self.database.query(
            """
            INSERT INTO user_settings (user_id, reminder_minutes) VALUES (\(userId), \(minutes.map(Int32.init)))
            ON CONFLICT (user_id) DO UPDATE SET reminder_minutes = excluded.reminder_minutes, updated_at = now()
            """)
    }

    static func decode(_ row: PostgresRow) throws -> NotificationResponse {
        let columns = RowColumns(row)
        return NotificationResponse(
            id: try columns.decode("id"), kind: try columns.decode("kind"), meetingCode: try columns.decode("code"),
            title: try columns.decode("title"), body: try columns.decode("body"), createdAt: try columns.decode("created_at"),
            readAt: try columns.decode("read_at"))
    }
}
