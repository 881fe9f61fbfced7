public import Foundation
public import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// ``EngagementStore`` on the tables of schema version 10 (`polls`,
/// `poll_votes`, `questions`, `question_votes`). Every update runs in one
/// transaction that locks the poll's (question's) row first, so votes from
/// any number of replicas apply one after another and each bumps `revision`.
/// Anonymous polls and questions keep the voter's (asker's) participant id
/// for "once each", and no view ever shows it.
public struct PostgresEngagementStore: EngagementStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: Polls

    public func createPoll(_ poll: PollRecord) async throws -> PollRecord {
        try await self.insert(
            into: "polls", meetingId: poll.meetingId, limit: EngagementLimits.maxPolls, refusal: .tooManyPolls,
            """
            INSERT INTO polls (id, meeting_id, created_by, question, options, multiple, anonymous, state, revision, created_at)
            VALUES (\(poll.id), \(poll.meetingId), \(poll.createdBy), \(poll.question), \(poll.options), \(poll.multiple),
                    \(poll.anonymous), \(poll.state.rawValue), \(poll.revision), \(poll.createdAt))
            """)
        return poll
    }

    /// Runs `insert` unless the meeting already holds `limit` rows of
    /// `table`; the meeting row's lock makes the count exact across replicas.
    private func insert(
        into table: String, meetingId: UUID, limit: Int, refusal: EngagementRefusal, _ insert: PostgresQuery
    ) async throws {
        let logger = self.database.logger
        try await self.database.withTransaction { connection in
            _ = try await connection.query("SELECT id FROM meetings WHERE id = \(meetingId) FOR UPDATE", logger: logger).collect()
            let counted = try await connection.query(
                "SELECT count(*) AS n FROM \(unescaped: table) WHERE meeting_id = \(meetingId)", logger: logger
            ).collect()
            guard let row = counted.first, try RowColumns(row).decode("n", as: Int.self) < limit else { throw refusal }
            try await connection.query(insert, logger: logger)
        }
    }

    public func updatePoll(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout PollRecord) throws(EngagementRefusal) -> Void
    ) async throws -> PollRecord {
        try await self.update(
            id: id, meetingId: meetingId, missing: .noPoll, change,
            read: { connection, row in try Self.poll(row, votes: try await Self.votes(connection, pollIds: [id])[id] ?? [:]) },
            write: { connection, before, after in
                for (voter, choices) in after.votes where before.votes[voter] != choices {
                    try await connection.query(
                        """
                        INSERT INTO poll_votes (poll_id, participant_id, choices) VALUES (\(id), \(voter), \(choices))
                        ON CONFLICT (poll_id, participant_id) DO UPDATE SET choices = EXCLUDED.choices, voted_at = now()
                        """,
                        logger: connection.logger)
                }
            })
    }

    /// One transition in one transaction: the record's row locked and
    /// read (`read` adds its votes), `change` applied, and when it changed
    /// anything, its state and revision written and `write` storing the
    /// rest (the votes that differ).
    private func update<Record: EngagementRow>(
        id: UUID, meetingId: UUID, missing: EngagementRefusal,
        _ change: @escaping @Sendable (inout Record) throws(EngagementRefusal) -> Void,
        read: @escaping @Sendable (PostgresConnection, RowColumns) async throws -> Record,
        write: @escaping @Sendable (PostgresConnection, Record, Record) async throws -> Void
    ) async throws -> Record {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            let rows = try await connection.query(
                "\(unescaped: Record.select) WHERE id = \(id) AND meeting_id = \(meetingId) FOR UPDATE", logger: logger
            ).collect()
            guard let row = rows.first else { throw missing }
            let before = try await read(connection, RowColumns(row))
            var after = before
            try change(&after)
            guard after != before else { return after }
            try await connection.query(
                "UPDATE \(unescaped: Record.table) SET state = \(after.stateName), revision = \(after.revision) WHERE id = \(id)", logger: logger)
            try await write(connection, before, after)
            return after
        }
    }

    public func polls(meetingId: UUID) async throws -> [PollRecord] {
        let rows = try await self.database.query("\(unescaped: PollRecord.select) WHERE meeting_id = \(meetingId) ORDER BY created_at, id")
        let records = try rows.map { try Self.poll(RowColumns($0), votes: [:]) }
        guard !records.isEmpty else { return [] }
        let votes = try await self.database.withTransaction { connection in try await Self.votes(connection, pollIds: records.map(\.id)) }
        return records.map { record in
            var record = record
            record.votes = votes[record.id] ?? [:]
            return record
        }
    }


    private static func poll(_ row: RowColumns, votes: [UUID: [Int]]) throws -> PollRecord {
        PollRecord(
            id: try row.decode("id"), meetingId: try row.decode("meeting_id"), createdBy: try row.decode("created_by"),
            question: try row.decode("question"), options: try row.decode("options", as: [String].self),
            multiple: try row.decode("multiple"), anonymous: try row.decode("anonymous"),
            state: try row.decode("state", as: PollState.self), revision: try row.decode("revision", as: Int.self),
            createdAt: try row.decode("created_at"), votes: votes)
    }

    private static func votes(_ connection: PostgresConnection, pollIds: [UUID]) async throws -> [UUID: [UUID: [Int]]] {
        // One vote per person: a member's seats (a rejoin makes a new one)
        // count once, with the newest vote, under their newest seat.
        let rows = try await connection.query(
            """
            SELECT DISTINCT ON (v.poll_id, COALESCE(p.user_id, p.id))
                   v.poll_id, COALESCE(latest.id, p.id) AS participant_id, v.choices
            FROM poll_votes v JOIN participants p ON p.id = v.participant_id
            \(unescaped: Self.newestSeat)
            WHERE v.poll_id = ANY(\(pollIds))
            ORDER BY v.poll_id, COALESCE(p.user_id, p.id), v.voted_at DESC
            """,
            logger: connection.logger
        ).collect()
        var votes: [UUID: [UUID: [Int]]] = [:]
        for row in rows.map(RowColumns.init) {
            votes[try row.decode("poll_id", as: UUID.self), default: [:]][try row.decode("participant_id", as: UUID.self)] =
                try row.decode("choices", as: [Int].self)
        }
        return votes
    }

    // MARK: Questions

    public func createQuestion(_ question: QuestionRecord) async throws -> QuestionRecord {
        try await self.insert(
            into: "questions", meetingId: question.meetingId, limit: EngagementLimits.maxQuestions, refusal: .tooManyQuestions,
            """
            INSERT INTO questions (id, meeting_id, participant_id, asker_name, body, anonymous, state, revision, created_at)
            VALUES (\(question.id), \(question.meetingId), \(question.askedBy), \(question.askerName), \(question.text),
                    \(question.anonymous), \(question.state.rawValue), \(question.revision), \(question.askedAt))
            """)
        return question
    }

    public func updateQuestion(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout QuestionRecord) throws(EngagementRefusal) -> Void
    ) async throws -> QuestionRecord {
        try await self.update(
            id: id, meetingId: meetingId, missing: .noQuestion, change,
            read: { connection, row in
                try Self.question(row, voters: try await Self.upvoters(connection, questionIds: [id])[id] ?? [])
            },
            write: { connection, before, after in
                for voter in after.voters.subtracting(before.voters) {
                    try await connection.query(
                        "INSERT INTO question_votes (question_id, participant_id) VALUES (\(id), \(voter)) ON CONFLICT DO NOTHING",
                        logger: connection.logger)
                }
                let withdrawn = Array(before.voters.subtracting(after.voters))
                if !withdrawn.isEmpty {
                    // Every seat of the person: an upvote made before a rejoin goes too.
                    try await connection.query(
                        """
                        DELETE FROM question_votes WHERE question_id = \(id) AND (participant_id = ANY(\(withdrawn))
                            OR participant_id IN (SELECT p2.id FROM participants p1 JOIN participants p2
                                                  ON p2.meeting_id = p1.meeting_id AND p2.user_id = p1.user_id
                                                  WHERE p1.id = ANY(\(withdrawn))))
                        """,
                        logger: connection.logger)
                }
            })
    }

    public func questions(meetingId: UUID) async throws -> [QuestionRecord] {
        let rows = try await self.database.query("\(unescaped: QuestionRecord.select) WHERE meeting_id = \(meetingId)")
        let records = try rows.map { try Self.question(RowColumns($0), voters: []) }
        guard !records.isEmpty else { return [] }
        let voters = try await self.database.withTransaction { connection in
            try await Self.upvoters(connection, questionIds: records.map(\.id))
        }
        return records.map { record in
            var record = record
            record.voters = voters[record.id] ?? []
            return record
        }.sorted(by: QuestionRecord.byVotes)
    }


    private static func question(_ row: RowColumns, voters: Set<UUID>) throws -> QuestionRecord {
        QuestionRecord(
            id: try row.decode("id"), meetingId: try row.decode("meeting_id"), askedBy: try row.decode("participant_id"),
            askerName: try row.decode("asker_name"), text: try row.decode("body"), anonymous: try row.decode("anonymous"),
            state: try row.decode("state", as: QuestionState.self), revision: try row.decode("revision", as: Int.self),
            askedAt: try row.decode("created_at"), voters: voters)
    }

    /// `latest.id`: the newest seat in the meeting of the member who holds
    /// seat `p` (none for a guest, whose seat is the person).
    static let newestSeat = """
        LEFT JOIN LATERAL (
            SELECT p2.id FROM participants p2
            WHERE p.user_id IS NOT NULL AND p2.meeting_id = p.meeting_id AND p2.user_id = p.user_id
            ORDER BY p2.created_at DESC, p2.id DESC LIMIT 1) latest ON true
        """

    private static func upvoters(_ connection: PostgresConnection, questionIds: [UUID]) async throws -> [UUID: Set<UUID>] {
        // One upvote per person, as for poll votes.
        let rows = try await connection.query(
            """
            SELECT DISTINCT v.question_id, COALESCE(latest.id, p.id) AS participant_id
            FROM question_votes v JOIN participants p ON p.id = v.participant_id
            \(unescaped: Self.newestSeat)
            WHERE v.question_id = ANY(\(questionIds))
            """,
            logger: connection.logger
        ).collect()
        var voters: [UUID: Set<UUID>] = [:]
        for row in rows.map(RowColumns.init) {
            voters[try row.decode("question_id", as: UUID.self), default: []].insert(try row.decode("participant_id", as: UUID.self))
        }
        return voters
    }
}

/// What ``PostgresEngagementStore``'s shared update needs of a record: its
/// table, its `SELECT`, and the two columns every transition writes.
protocol EngagementRow: Equatable, Sendable {
    static var table: String { get }
    static var select: String { get }
    var stateName: String { get }
    var revision: Int { get }
}

extension PollRecord: EngagementRow {
    static let table = "polls"
    static let select = "SELECT id, meeting_id, created_by, question, options, multiple, anonymous, state, revision, created_at FROM polls"
    var stateName: String { self.state.rawValue }
}

extension QuestionRecord: EngagementRow {
    static let table = "questions"
    static let select = "SELECT id, meeting_id, participant_id, asker_name, body, anonymous, state, revision, created_at FROM questions"
    var stateName: String { self.state.rawValue }
}
