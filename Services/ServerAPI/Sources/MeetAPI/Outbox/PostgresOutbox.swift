import Foundation
import MeetDatabase
import Logging
import PostgresNIO

/// ``OutboxStore`` on PostgreSQL, and the writes every PostgreSQL repository
/// makes on its own transaction's connection (``write(_:on:logger:)``), so
/// that a change and what it tells people commit or roll back together.
struct PostgresOutbox: OutboxStore {
    let database: Database

    func write(_ outbox: Outbox) async throws -> [StoredNotification] {
        guard !outbox.isEmpty else { return [] }
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            try await Self.write(outbox, on: connection, logger: logger)
        }
    }

    /// Inserts the outbox's notifications and jobs on `connection` (inside the caller's transaction).
    static func write(_ outbox: Outbox, on connection: PostgresConnection, logger: Logger) async throws -> [StoredNotification] {
        let stored = try await PostgresNotificationRepository.insert(outbox.notifications, on: connection, logger: logger)
        _ = try await PostgresJobQueue.insert(outbox.jobs, on: connection, logger: logger)
        return stored
    }

    /// Runs `delete` (a `DELETE … RETURNING`) and, when it removed a row,
    /// writes `notices` in the same transaction: false and nothing written otherwise.
    static func delete(_ delete: PostgresQuery, notices: Outbox, in database: Database) async throws -> Committed<Bool> {
        let logger = database.logger
        return try await database.withTransaction { connection in
            let removed = try await connection.query(delete, logger: logger).collect()
            guard !removed.isEmpty else { return Committed(false) }
            return Committed(true, stored: try await Self.write(notices, on: connection, logger: logger))
        }
    }
}
