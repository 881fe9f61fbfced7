import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import PostgresNIO
import Testing

@testable import MeetWS

/// ``PostgresEngagementStore`` against the test PostgreSQL (issue #21):
/// votes sent at once by two "replicas" all count and each gets its own
/// revision (the poll row's lock serializes them), a change of vote
/// replaces the row, a vote after the close stores nothing, upvotes count
/// once, and what is read back equals what the rules produced.
@Suite struct EngagementStoreTests {
    /// The test PostgreSQL, migrated, for `body`.
    static func withDatabase(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        let logger = Logger(label: "test.engagement")
        let database = Database(configuration: try TestPostgres.configuration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            _ = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            try await body(database)
        }
    }

    @Test func concurrentVotesSerializeAndTheReadBackMatches() async throws {
        try await Self.withDatabase { database in
            let (user, meeting) = (UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("polls-\(user)@test"), 'x', 'Owner')")
            _ = try await database.query(
                "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), \("pl-\(meeting.uuidString.prefix(8))"), 'polls', \(user))")
            let voters = (0..<12).map { _ in UUID() }
            for voter in voters {
                _ = try await database.query(
                    """
                    INSERT INTO participants (id, meeting_id, guest_id, display_name, role, status)
                    VALUES (\(voter), \(meeting), \(UUID()), 'P', 'attendee', 'joined')
                    """)
            }
            let replicas = [PostgresEngagementStore(database: database), PostgresEngagementStore(database: database)]
            let create = try PollCreate(question: "Which?", options: ["a", "b", "c"], multiple: true).validated()
            let created = try await replicas[0].createPoll(
                PollRecord(meetingId: meeting, createdBy: voters[0], create: create, createdAt: Date()))
            _ = try await replicas[1].updatePoll(id: created.id, meetingId: meeting) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.launch()
            }
            let revisions = try await withThrowingTaskGroup(of: Int.self) { votes in
                for (index, voter) in voters.enumerated() {
                    votes.addTask {
                        try await replicas[index % 2].updatePoll(id: created.id, meetingId: meeting) {
                            (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(voter, choices: [index % 3, 2].sorted().uniqued())
                        }.revision
                    }
                }
                return try await votes.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(revisions).count == voters.count)  // one revision each: none lost to a race
            let changed = try await replicas[0].updatePoll(id: created.id, meetingId: meeting) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(voters[0], choices: [1])
            }
            let closed = try await replicas[1].updatePoll(id: created.id, meetingId: meeting) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.close()
            }
            await #expect(throws: EngagementRefusal.self) {
                _ = try await replicas[0].updatePoll(id: created.id, meetingId: meeting) {
                    (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(voters[1], choices: [0])
                }
            }
            let stored = try #require(try await replicas[0].polls(meetingId: meeting).first)
            #expect(stored.votes == closed.votes && stored.state == .closed && stored.revision == closed.revision)
            #expect(stored.votes[voters[0]] == [1] && changed.votes[voters[0]] == [1])
            #expect(stored.counts.reduce(0, +) == stored.votes.values.map(\.count).reduce(0, +))

            // Q&A: one upvote each, withdrawn, ordered by votes.
            let first = try await replicas[0].createQuestion(
                QuestionRecord(meetingId: meeting, askedBy: voters[1], askerName: "P", text: "first", anonymous: true, askedAt: Date()))
            let second = try await replicas[1].createQuestion(
                QuestionRecord(meetingId: meeting, askedBy: voters[2], askerName: "P", text: "second", anonymous: false, askedAt: Date()))
            for voter in voters.prefix(3) {
                for _ in 0..<2 {
                    _ = try await replicas[1].updateQuestion(id: second.id, meetingId: meeting) {
                        (question: inout QuestionRecord) throws(EngagementRefusal) in try question.vote(voter, up: true)
                    }
                }
            }
            _ = try await replicas[0].updateQuestion(id: second.id, meetingId: meeting) {
                (question: inout QuestionRecord) throws(EngagementRefusal) in try question.vote(voters[0], up: false)
            }
            let questions = try await replicas[0].questions(meetingId: meeting)
            #expect(questions.map(\.id) == [second.id, first.id])
            #expect(questions.map(\.voters.count) == [2, 0])
            await #expect(throws: EngagementRefusal.self) {
                _ = try await replicas[0].updateQuestion(id: UUID(), meetingId: meeting) {
                    (question: inout QuestionRecord) throws(EngagementRefusal) in question.moderate(.answered)
                }
            }
        }
    }

    /// A member who leaves and joins again gets a new seat (a new
    /// participant id): their vote and upvote still count once, the newest
    /// vote winning, and withdrawing from the new seat takes the old
    /// seat's upvote too.
    @Test func aMemberRejoiningStillVotesOnce() async throws {
        try await Self.withDatabase { database in
            let (user, meeting, first, second) = (UUID(), UUID(), UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("rejoin-\(user)@test"), 'x', 'Voter')")
            _ = try await database.query(
                "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), \("rj-\(meeting.uuidString.prefix(8))"), 'polls', \(user))")
            for (seat, age) in [(first, "1 minute"), (second, "0 seconds")] {
                _ = try await database.query(
                    """
                    INSERT INTO participants (id, meeting_id, user_id, display_name, role, status, created_at)
                    VALUES (\(seat), \(meeting), \(user), 'Voter', 'owner', 'joined', now() - \(age)::interval)
                    """)
            }
            let store = PostgresEngagementStore(database: database)
            let create = try PollCreate(question: "Which?", options: ["a", "b"]).validated()
            let poll = try await store.createPoll(PollRecord(meetingId: meeting, createdBy: first, create: create, createdAt: Date()))
            _ = try await store.updatePoll(id: poll.id, meetingId: meeting) { (poll: inout PollRecord) throws(EngagementRefusal) in try poll.launch() }
            _ = try await store.updatePoll(id: poll.id, meetingId: meeting) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(first, choices: [0])
            }
            let revoted = try await store.updatePoll(id: poll.id, meetingId: meeting) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(second, choices: [1])
            }
            #expect(revoted.counts == [0, 1])
            #expect(try await store.polls(meetingId: meeting).first?.counts == [0, 1])
            let question = try await store.createQuestion(
                QuestionRecord(meetingId: meeting, askedBy: first, askerName: "Voter", text: "why?", anonymous: false, askedAt: Date()))
            for seat in [first, second] {
                _ = try await store.updateQuestion(id: question.id, meetingId: meeting) {
                    (question: inout QuestionRecord) throws(EngagementRefusal) in try question.vote(seat, up: true)
                }
            }
            #expect(try await store.questions(meetingId: meeting).first?.voters.count == 1)
            _ = try await store.updateQuestion(id: question.id, meetingId: meeting) {
                (question: inout QuestionRecord) throws(EngagementRefusal) in try question.vote(second, up: false)
            }
            #expect(try await store.questions(meetingId: meeting).first?.voters.count == 0)
        }
    }
}

extension Array where Element: Hashable {
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return self.filter { seen.insert($0).inserted }
    }
}
