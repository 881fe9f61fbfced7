import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``BanRepository`` on `meeting_bans` and the origin columns of
/// `participants` (``MeetSchema`` version 2), which the join's INSERT fills.
struct PostgresBanRepository: BanRepository {
    let database: Database

    func isBanned(meetingId: UUID, userId: UUID?, origin: JoinOrigin) async throws -> Bool {
        let rows: [PostgresRow]
        if let userId {
            rows = try await self.database.query(
                "SELECT 1 FROM meeting_bans WHERE meeting_id = \(meetingId) AND user_id = \(userId) LIMIT 1")
        } else {
            rows = try await self.database.query(
                """
                SELECT 1 FROM meeting_bans
                WHERE meeting_id = \(meetingId) AND user_id IS NULL
                  AND (client_address = \(origin.address) OR (\(origin.deviceId)::text IS NOT NULL AND device_id = \(origin.deviceId)))
                LIMIT 1
                """)
        }
        return !rows.isEmpty
    }

    func list(meetingId: UUID) async throws -> [BanResponse] {
        let rows = try await self.database.query(
            """
            SELECT id, user_id, display_name, banned_by, created_at FROM meeting_bans
            WHERE meeting_id = \(meetingId) ORDER BY created_at DESC, id
            """)
        return try rows.map { row in
            let columns = RowColumns(row)
            let userId = try columns.decode("user_id", as: UUID?.self)
            return BanResponse(
                id: try columns.decode("id"), userId: userId, displayName: try columns.decode("display_name"),
                guest: userId == nil, bannedBy: try columns.decode("banned_by"), createdAt: try columns.decode("created_at"))
        }
    }

    func remove(meetingId: UUID, banId: UUID) async throws -> Bool {
        let rows = try await self.database.query(
            "DELETE FROM meeting_bans WHERE meeting_id = \(meetingId) AND id = \(banId) RETURNING id")
        return !rows.isEmpty
    }
}
