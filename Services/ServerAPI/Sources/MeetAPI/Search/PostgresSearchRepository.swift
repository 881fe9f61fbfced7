import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``SearchRepository`` on PostgreSQL: `ILIKE` on the trigram indexes of
/// ``MeetSchema`` version 12 (meeting titles, agendas, display names).
///
/// A meeting search starts from the caller's own meetings (their
/// memberships and bound invitations, each indexed by user), so another
/// user's meetings are never candidates.
struct PostgresSearchRepository: SearchRepository {
    let database: Database

    func meetings(_ search: MeetingSearch) async throws -> [(MeetingRecord, MemberRole)] {
        let pattern = search.text.map(SearchLimits.containsPattern)
        let rows = try await self.database.query(
            """
            WITH mine AS (
                SELECT meeting_id, role FROM members WHERE user_id = \(search.userId)
                UNION ALL
                SELECT i.meeting_id, i.role FROM invitations i
                WHERE i.user_id = \(search.userId) AND i.status IN ('pending', 'accepted')
                  AND NOT EXISTS (SELECT 1 FROM members x WHERE x.meeting_id = i.meeting_id AND x.user_id = \(search.userId))
            )
            SELECT \(unescaped: PostgresMeetingRepository.columns), mb.role
            FROM mine mb
            JOIN meetings m ON m.id = mb.meeting_id
            LEFT JOIN meeting_schedules s ON s.meeting_id = m.id
            WHERE (\(pattern)::text IS NULL OR m.title ILIKE \(pattern) OR s.description ILIKE \(pattern))
              AND (\(search.from)::timestamptz IS NULL OR COALESCE(s.starts_at, m.created_at) >= \(search.from))
              AND (\(search.to)::timestamptz IS NULL OR COALESCE(s.starts_at, m.created_at) < \(search.to))
              AND (\(search.after)::uuid IS NULL
                   OR (m.created_at, m.id) < (SELECT c.created_at, c.id FROM meetings c WHERE c.id = \(search.after)))
            ORDER BY m.created_at DESC, m.id DESC
            LIMIT \(search.limit)
            """)
        return try rows.map { row in
            (try PostgresMeetingRepository.decodeMeeting(row), try RowColumns(row).decode("role", as: MemberRole.self))
        }
    }

    func users(named text: String, after cursor: UUID?, limit: Int) async throws -> [UserSummary] {
        let rows = try await self.database.query(
            """
            SELECT u.id, u.display_name FROM users u
            WHERE u.display_name ILIKE \(SearchLimits.containsPattern(text))
              AND (\(cursor)::uuid IS NULL
                   OR (u.display_name, u.id) > (SELECT c.display_name, c.id FROM users c WHERE c.id = \(cursor)))
            ORDER BY u.display_name, u.id
            LIMIT \(limit)
            """)
        return try rows.map(RowColumns.init).map { UserSummary(id: try $0.decode("id"), displayName: try $0.decode("display_name")) }
    }
}
