public import Foundation

/// Polls (issue #21 item 3): the wire shapes. Hosts create a poll (a
/// draft only hosts see), launch it (everyone may vote) and close it
/// (results to everyone). See docs/signaling.md, Polls and Q&A.
public enum PollState: String, Codable, Sendable, Equatable {
    case draft, open, closed
}

/// `poll-create` (hosts): a draft poll.
public struct PollCreate: Codable, Sendable, Equatable {
    public var question: String
    public var options: [String]
    /// Several options may be chosen (default false: exactly one).
    public var multiple: Bool?
    /// Nobody, hosts included, ever sees who voted for what (default false).
    public var anonymous: Bool?

    public init(question: String, options: [String], multiple: Bool? = nil, anonymous: Bool? = nil) {
        self.question = question
        self.options = options
        self.multiple = multiple
        self.anonymous = anonymous
    }
}

/// `poll-launch`, `poll-close` (hosts): which poll.
public struct PollTarget: Codable, Sendable, Equatable {
    public var pollId: UUID

    public init(pollId: UUID) {
        self.pollId = pollId
    }
}

/// `poll-vote`: the chosen option indexes; replaces the voter's previous vote.
public struct PollVote: Codable, Sendable, Equatable {
    public var pollId: UUID
    public var choices: [Int]

    public init(pollId: UUID, choices: [Int]) {
        self.pollId = pollId
        self.choices = choices
    }
}

/// `poll`: a poll as one viewer may see it (``PollRecord/view(for:)``).
///
/// `counts` is there for hosts always, for everyone else once the poll is
/// closed; `voters` (per option) only for hosts, and never for an
/// anonymous poll. `revision` grows with every change: replicas publish
/// concurrently, so a client keeps the view with the highest revision.
public struct PollView: Codable, Sendable, Equatable {
    public var id: UUID
    public var question: String
    public var options: [String]
    public var multiple: Bool
    public var anonymous: Bool
    public var state: PollState
    public var revision: Int
    public var createdAt: Date
    /// Votes per option, in option order.
    public var counts: [Int]?
    /// How many people voted.
    public var voterCount: Int?
    /// Who chose each option (participant ids), for hosts of a named poll.
    public var voters: [[UUID]]?
    /// The viewer's own choices (in `engagement` and a vote's reply only).
    public var yourChoices: [Int]?

    public init(
        id: UUID, question: String, options: [String], multiple: Bool, anonymous: Bool, state: PollState, revision: Int,
        createdAt: Date, counts: [Int]? = nil, voterCount: Int? = nil, voters: [[UUID]]? = nil, yourChoices: [Int]? = nil
    ) {
        self.id = id
        self.question = question
        self.options = options
        self.multiple = multiple
        self.anonymous = anonymous
        self.state = state
        self.revision = revision
        self.createdAt = createdAt
        self.counts = counts
        self.voterCount = voterCount
        self.voters = voters
        self.yourChoices = yourChoices
    }
}

/// `engagement-get`'s reply (`engagement`): the meeting's polls and
/// questions as the asker may see them, questions by votes. What a late
/// joiner (or a resumed socket) reads once; events keep it current.
public struct EngagementState: Codable, Sendable, Equatable {
    public var polls: [PollView]
    public var questions: [QuestionView]

    public init(polls: [PollView], questions: [QuestionView]) {
        self.polls = polls
        self.questions = questions
    }
}
