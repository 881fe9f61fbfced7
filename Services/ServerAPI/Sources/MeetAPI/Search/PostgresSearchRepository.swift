import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``SearchRepository`` on PostgreSQL: `ILIKE` on the trigram indexes of
/// ``MeetSchema`` version 13 (meeting titles, agendas, display names).
///
/// A meeting search joins the caller's own meetings (their memberships and
/// bound invitations, each indexed by user) with the matches of each
/// criterion, each found by an index (trigram for the text, the start or
/// creation time for the range): the planner starts from whichever side is
/// smaller, and another user's meetings are never returned. (An `OR` across
/// the title and the schedule's agenda, or a `COALESCE` of two dates, could
/// use no index: 150 ms for an account with 10 000 meetings, against 20.)
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
            WHERE (\(pattern)::text IS NULL OR m.id IN (
                      SELECT t.id FROM meetings t WHERE t.title ILIKE \(pattern)
                      UNION ALL
                      SELECT d.meeting_id FROM meeting_schedules d WHERE d.description ILIKE \(pattern)))
              AND ((\(search.from)::timestamptz IS NULL AND \(search.to)::timestamptz IS NULL) OR m.id IN (
                      SELECT s.meeting_id FROM meeting_schedules s
                      WHERE s.starts_at >= COALESCE(\(search.from)::timestamptz, '-infinity') AND s.starts_at < COALESCE(\(search.to)::timestamptz, 'infinity')
                      UNION ALL
                      SELECT c.id FROM meetings c
                      WHERE c.created_at >= COALESCE(\(search.from)::timestamptz, '-infinity') AND c.created_at < COALESCE(\(search.to)::timestamptz, 'infinity')
                        AND NOT EXISTS (SELECT 1 FROM meeting_schedules x WHERE x.meeting_id = c.id)))
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
