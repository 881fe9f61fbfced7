public import Foundation
public import MeetProtocol

/// The durable side of polls and Q&A (a port; issue #21 items 3 and 4):
/// PostgreSQL in service (``PostgresEngagementStore``), memory in unit
/// tests (``InMemoryEngagementStore``). Each update loads the record under
/// a lock, applies one transition of ``PollRecord`` / ``QuestionRecord``
/// (the rules live there, once) and stores the result, so replicas acting
/// on the same poll at once are serialized.
public protocol EngagementStore: Sendable {
    /// Stores a new poll; refused (`bad_request`) when the meeting already
    /// holds ``EngagementLimits/maxPolls``.
    func createPoll(_ poll: PollRecord) async throws -> PollRecord
    /// Applies `change` to the poll `id` of `meetingId`; `not_found` when
    /// there is none. A refusal from `change` stores nothing.
    func updatePoll(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout PollRecord) throws(EngagementRefusal) -> Void
    ) async throws -> PollRecord
    /// The meeting's polls, oldest first.
    func polls(meetingId: UUID) async throws -> [PollRecord]
    /// Stores a new question; refused when the meeting already holds ``EngagementLimits/maxQuestions``.
    func createQuestion(_ question: QuestionRecord) async throws -> QuestionRecord
    /// Applies `change` to the question `id` of `meetingId`; `not_found` when there is none.
    func updateQuestion(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout QuestionRecord) throws(EngagementRefusal) -> Void
    ) async throws -> QuestionRecord
    /// The meeting's questions, by votes (``QuestionRecord/byVotes(_:_:)``).
    func questions(meetingId: UUID) async throws -> [QuestionRecord]
}

extension EngagementRefusal {
    static let noPoll = EngagementRefusal(.notFound, "no such poll in this meeting")
    static let noQuestion = EngagementRefusal(.notFound, "no such question in this meeting")
    static let tooManyPolls = EngagementRefusal(.badRequest, "this meeting has \(EngagementLimits.maxPolls) polls, the most it may hold")
    static let tooManyQuestions = EngagementRefusal(
        .badRequest, "this meeting has \(EngagementLimits.maxQuestions) questions, the most it may hold")
}

/// ``EngagementStore`` in memory: unit tests and single-process runs.
public actor InMemoryEngagementStore: EngagementStore {
    private var pollsById: [UUID: PollRecord] = [:]
    private var questionsById: [UUID: QuestionRecord] = [:]

    public init() {}

    public func createPoll(_ poll: PollRecord) throws -> PollRecord {
        guard self.pollsById.values.filter({ $0.meetingId == poll.meetingId }).count < EngagementLimits.maxPolls else {
            throw EngagementRefusal.tooManyPolls
        }
        self.pollsById[poll.id] = poll
        return poll
    }

    public func updatePoll(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout PollRecord) throws(EngagementRefusal) -> Void
    ) throws -> PollRecord {
        guard var poll = self.pollsById[id], poll.meetingId == meetingId else { throw EngagementRefusal.noPoll }
        try change(&poll)
        self.pollsById[id] = poll
        return poll
    }

    public func polls(meetingId: UUID) -> [PollRecord] {
        self.pollsById.values.filter { $0.meetingId == meetingId }.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
    }

    public func createQuestion(_ question: QuestionRecord) throws -> QuestionRecord {
        guard self.questionsById.values.filter({ $0.meetingId == question.meetingId }).count < EngagementLimits.maxQuestions else {
            throw EngagementRefusal.tooManyQuestions
        }
        self.questionsById[question.id] = question
        return question
    }

    public func updateQuestion(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout QuestionRecord) throws(EngagementRefusal) -> Void
    ) throws -> QuestionRecord {
        guard var question = self.questionsById[id], question.meetingId == meetingId else { throw EngagementRefusal.noQuestion }
        try change(&question)
        self.questionsById[id] = question
        return question
    }

    public func questions(meetingId: UUID) -> [QuestionRecord] {
        self.questionsById.values.filter { $0.meetingId == meetingId }.sorted(by: QuestionRecord.byVotes)
    }
}
