import Foundation
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// The polls and questions of a meeting as its report shows them (issue
/// #21): meet-ws writes them (its `EngagementStore`), meet-api only reads
/// the tallies. Voters are never named in a report.
protocol EngagementReportRepository: Sendable {
    /// The meeting's polls, oldest first, with their counts.
    func polls(meetingId: UUID) async throws -> [PollView]
    /// The meeting's questions, by votes then age.
    func questions(meetingId: UUID) async throws -> [QuestionView]
}

/// Without a database (unit tests): meet-api stores no poll itself.
struct NoEngagementReports: EngagementReportRepository {
    func polls(meetingId: UUID) async throws -> [PollView] { [] }
    func questions(meetingId: UUID) async throws -> [QuestionView] { [] }
}

/// The report's reads on schema version 10: the tallies are counted in SQL.
struct PostgresEngagementReports: EngagementReportRepository {
    let database: Database

    func polls(meetingId: UUID) async throws -> [PollView] {
        let rows = try await self.database.query(
            """
            SELECT p.id, p.question, p.options, p.multiple, p.anonymous, p.state, p.revision, p.created_at,
                   ARRAY(SELECT count(v.participant_id) FROM generate_subscripts(p.options, 1) AS i
                         LEFT JOIN poll_votes v ON v.poll_id = p.id AND (i - 1) = ANY (v.choices)
                         GROUP BY i ORDER BY i) AS counts,
                   (SELECT count(*) FROM poll_votes v WHERE v.poll_id = p.id) AS voter_count
            FROM polls p WHERE p.meeting_id = \(meetingId) ORDER BY p.created_at, p.id
            """)
        return try rows.map(RowColumns.init).map { row in
            PollView(
                id: try row.decode("id"), question: try row.decode("question"), options: try row.decode("options", as: [String].self),
                multiple: try row.decode("multiple"), anonymous: try row.decode("anonymous"),
                state: try row.decode("state", as: PollState.self), revision: try row.decode("revision", as: Int.self),
                createdAt: try row.decode("created_at"), counts: try row.decode("counts", as: [Int].self),
                voterCount: try row.decode("voter_count", as: Int.self))
        }
    }

    func questions(meetingId: UUID) async throws -> [QuestionView] {
        let rows = try await self.database.query(
            """
            SELECT q.id, q.body, q.anonymous, q.participant_id, q.asker_name, q.state, q.revision, q.created_at,
                   (SELECT count(*) FROM question_votes v WHERE v.question_id = q.id) AS votes
            FROM questions q WHERE q.meeting_id = \(meetingId) ORDER BY votes DESC, q.created_at, q.id
            """)
        return try rows.map(RowColumns.init).map { row in
            let anonymous = try row.decode("anonymous", as: Bool.self)
            return QuestionView(
                id: try row.decode("id"), text: try row.decode("body"), anonymous: anonymous,
                askedBy: anonymous ? nil : try row.decode("participant_id", as: UUID.self),
                askerName: anonymous ? nil : try row.decode("asker_name", as: String.self),
                state: try row.decode("state", as: QuestionState.self), votes: try row.decode("votes", as: Int.self),
                revision: try row.decode("revision", as: Int.self), askedAt: try row.decode("created_at"))
        }
    }
}
