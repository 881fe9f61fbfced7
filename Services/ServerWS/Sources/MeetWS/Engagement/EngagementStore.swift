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
    private var pollShelf = Shelf<PollRecord>(id: \.id, meetingId: \.meetingId)
    private var questionShelf = Shelf<QuestionRecord>(id: \.id, meetingId: \.meetingId)

    public init() {}

    public func createPoll(_ poll: PollRecord) throws -> PollRecord {
        try self.pollShelf.insert(poll, limit: EngagementLimits.maxPolls, refusal: .tooManyPolls)
    }

    public func updatePoll(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout PollRecord) throws(EngagementRefusal) -> Void
    ) throws -> PollRecord {
        try self.pollShelf.update(id, meetingId: meetingId, missing: .noPoll, change)
    }

    public func polls(meetingId: UUID) -> [PollRecord] {
        self.pollShelf.all(meetingId).sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
    }

    public func createQuestion(_ question: QuestionRecord) throws -> QuestionRecord {
        try self.questionShelf.insert(question, limit: EngagementLimits.maxQuestions, refusal: .tooManyQuestions)
    }

    public func updateQuestion(
        id: UUID, meetingId: UUID, _ change: @escaping @Sendable (inout QuestionRecord) throws(EngagementRefusal) -> Void
    ) throws -> QuestionRecord {
        try self.questionShelf.update(id, meetingId: meetingId, missing: .noQuestion, change)
    }

    public func questions(meetingId: UUID) -> [QuestionRecord] {
        self.questionShelf.all(meetingId).sorted(by: QuestionRecord.byVotes)
    }
}

/// Records of one kind by id, each with its meeting: the in-memory store's
/// polls or questions, bounded per meeting as the PostgreSQL store is.
private struct Shelf<Record: Sendable> {
    let id: @Sendable (Record) -> UUID
    let meetingId: @Sendable (Record) -> UUID
    private var records: [UUID: Record] = [:]

    init(id: @escaping @Sendable (Record) -> UUID, meetingId: @escaping @Sendable (Record) -> UUID) {
        self.id = id
        self.meetingId = meetingId
    }

    func all(_ meetingId: UUID) -> [Record] { self.records.values.filter { self.meetingId($0) == meetingId } }

    mutating func insert(_ record: Record, limit: Int, refusal: EngagementRefusal) throws(EngagementRefusal) -> Record {
        guard self.all(self.meetingId(record)).count < limit else { throw refusal }
        self.records[self.id(record)] = record
        return record
    }

    mutating func update(
        _ id: UUID, meetingId: UUID, missing: EngagementRefusal, _ change: (inout Record) throws(EngagementRefusal) -> Void
    ) throws(EngagementRefusal) -> Record {
        guard var record = self.records[id], self.meetingId(record) == meetingId else { throw missing }
        try change(&record)
        self.records[id] = record
        return record
    }
}
