public import Foundation

/// Who looks at a poll or a question: views differ for hosts.
public struct EngagementViewer: Sendable, Equatable {
    public var participantId: UUID?
    public var isHost: Bool

    public init(participantId: UUID?, isHost: Bool) {
        self.participantId = participantId
        self.isHost = isHost
    }

    /// The hosts, with no own vote to show (a room event to `hosts`, the report).
    public static let hosts = EngagementViewer(participantId: nil, isHost: true)
    /// Everyone else (a room event to `attendees`).
    public static let attendees = EngagementViewer(participantId: nil, isHost: false)
}

/// A stored poll with every vote: the sans-I/O rules of issue #21 item 3.
/// The stores (PostgreSQL, memory) load it, apply one transition and write
/// the result, so the rules live here once and are tested without I/O.
public struct PollRecord: Sendable, Equatable {
    public var id: UUID
    public var meetingId: UUID
    public var createdBy: UUID
    public var question: String
    public var options: [String]
    public var multiple: Bool
    public var anonymous: Bool
    public var state: PollState
    public var revision: Int
    public var createdAt: Date
    /// Each voter's choices (option indexes, ascending).
    public var votes: [UUID: [Int]]

    public init(
        id: UUID, meetingId: UUID, createdBy: UUID, question: String, options: [String], multiple: Bool, anonymous: Bool,
        state: PollState = .draft, revision: Int = 1, createdAt: Date, votes: [UUID: [Int]] = [:]
    ) {
        self.id = id
        self.meetingId = meetingId
        self.createdBy = createdBy
        self.question = question
        self.options = options
        self.multiple = multiple
        self.anonymous = anonymous
        self.state = state
        self.revision = revision
        self.createdAt = createdAt
        self.votes = votes
    }

    /// A new draft from a validated ``PollCreate``.
    public init(id: UUID = UUID(), meetingId: UUID, createdBy: UUID, create: PollCreate, createdAt: Date) {
        self.init(
            id: id, meetingId: meetingId, createdBy: createdBy, question: create.question, options: create.options,
            multiple: create.multiple ?? false, anonymous: create.anonymous ?? false, createdAt: createdAt)
    }

    /// `poll-launch`: a draft opens for votes.
    public mutating func launch() throws(EngagementRefusal) {
        guard self.state == .draft else { throw EngagementRefusal(.badRequest, "poll is \(self.state.rawValue); only a draft can be launched") }
        self.state = .open
        self.revision += 1
    }

    /// `poll-close`: an open poll stops taking votes; its results go to everyone.
    public mutating func close() throws(EngagementRefusal) {
        guard self.state == .open else { throw EngagementRefusal(.badRequest, "poll is \(self.state.rawValue); only an open poll can be closed") }
        self.state = .closed
        self.revision += 1
    }

    /// `poll-vote`: sets (or replaces) `voter`'s choices while the poll is open.
    /// Returns the choices as stored (ascending).
    @discardableResult
    public mutating func vote(_ voter: UUID, choices: [Int]) throws(EngagementRefusal) -> [Int] {
        guard self.state == .open else { throw EngagementRefusal(.badRequest, "poll is \(self.state.rawValue); votes are taken only while it is open") }
        let chosen = Array(Set(choices)).sorted()
        guard chosen.count == choices.count, !chosen.isEmpty, chosen.allSatisfy({ self.options.indices.contains($0) }) else {
            throw EngagementRefusal(.invalidData, "choices must be distinct option indexes from 0 to \(self.options.count - 1)")
        }
        guard self.multiple || chosen.count == 1 else { throw EngagementRefusal(.invalidData, "this poll takes exactly one choice") }
        self.votes[voter] = chosen
        self.revision += 1
        return chosen
    }

    /// Votes per option.
    public var counts: [Int] {
        var counts = Array(repeating: 0, count: self.options.count)
        for choices in self.votes.values { for index in choices where counts.indices.contains(index) { counts[index] += 1 } }
        return counts
    }

    /// The poll as `viewer` may see it, nil when it may not see it at all
    /// (a draft to a non-host). Hosts see counts always and, for a named
    /// poll, who voted; others see counts once closed and never voters.
    public func view(for viewer: EngagementViewer) -> PollView? {
        guard viewer.isHost || self.state != .draft else { return nil }
        var view = PollView(
            id: self.id, question: self.question, options: self.options, multiple: self.multiple, anonymous: self.anonymous,
            state: self.state, revision: self.revision, createdAt: self.createdAt)
        if viewer.isHost || self.state == .closed {
            view.counts = self.counts
            view.voterCount = self.votes.count
        }
        if viewer.isHost, !self.anonymous {
            view.voters = self.options.indices.map { index in
                self.votes.filter { $0.value.contains(index) }.map(\.key).sorted { $0.uuidString < $1.uuidString }
            }
        }
        if let participantId = viewer.participantId { view.yourChoices = self.votes[participantId] }
        return view
    }
}

/// A stored question with its upvoters: the sans-I/O rules of issue #21 item 4.
public struct QuestionRecord: Sendable, Equatable {
    public var id: UUID
    public var meetingId: UUID
    public var askedBy: UUID
    public var askerName: String
    public var text: String
    public var anonymous: Bool
    public var state: QuestionState
    public var revision: Int
    public var askedAt: Date
    public var voters: Set<UUID>

    public init(
        id: UUID = UUID(), meetingId: UUID, askedBy: UUID, askerName: String, text: String, anonymous: Bool,
        state: QuestionState = .open, revision: Int = 1, askedAt: Date, voters: Set<UUID> = []
    ) {
        self.id = id
        self.meetingId = meetingId
        self.askedBy = askedBy
        self.askerName = askerName
        self.text = text
        self.anonymous = anonymous
        self.state = state
        self.revision = revision
        self.askedAt = askedAt
        self.voters = voters
    }

    /// `question-vote`: one upvote per participant (`up`), or its withdrawal.
    /// False when nothing changed (a second upvote, a withdrawal of none).
    @discardableResult
    public mutating func vote(_ voter: UUID, up: Bool) throws(EngagementRefusal) -> Bool {
        guard self.state != .dismissed else { throw EngagementRefusal(.badRequest, "question was dismissed") }
        let changed = up ? self.voters.insert(voter).inserted : self.voters.remove(voter) != nil
        if changed { self.revision += 1 }
        return changed
    }

    /// `question-moderate`: answered, dismissed or open again.
    public mutating func moderate(_ state: QuestionState) {
        guard state != self.state else { return }
        self.state = state
        self.revision += 1
    }

    /// The question as everyone sees it: no asker when anonymous.
    public func view(for viewerId: UUID? = nil) -> QuestionView {
        QuestionView(
            id: self.id, text: self.text, anonymous: self.anonymous, askedBy: self.anonymous ? nil : self.askedBy,
            askerName: self.anonymous ? nil : self.askerName, state: self.state, votes: self.voters.count,
            revision: self.revision, askedAt: self.askedAt, youVoted: viewerId.map { self.voters.contains($0) })
    }

    /// Q&A order: most votes first, then oldest first.
    public static func byVotes(_ a: QuestionRecord, _ b: QuestionRecord) -> Bool {
        a.voters.count != b.voters.count ? a.voters.count > b.voters.count : (a.askedAt, a.id.uuidString) < (b.askedAt, b.id.uuidString)
    }
}
