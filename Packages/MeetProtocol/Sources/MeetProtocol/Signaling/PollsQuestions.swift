public import Foundation

/// Q&A (issue #21 item 4): the wire shapes. Participants ask (optionally
/// anonymously) and upvote, once each; hosts mark a question answered or
/// dismiss it. See docs/signaling.md, Polls and Q&A.
public enum QuestionState: String, Codable, Sendable, Equatable {
    case open, answered, dismissed
}

/// `question-ask`.
public struct QuestionAsk: Codable, Sendable, Equatable {
    public var text: String
    /// Nobody, hosts included, sees who asked (default false).
    public var anonymous: Bool?

    public init(text: String, anonymous: Bool? = nil) {
        self.text = text
        self.anonymous = anonymous
    }
}

/// `question-vote`: upvote (`up` true, the default) or withdraw the upvote.
public struct QuestionVote: Codable, Sendable, Equatable {
    public var questionId: UUID
    public var up: Bool?

    public init(questionId: UUID, up: Bool? = nil) {
        self.questionId = questionId
        self.up = up
    }
}

/// `question-moderate` (hosts): mark answered, dismiss, or reopen.
public struct QuestionModerate: Codable, Sendable, Equatable {
    public var questionId: UUID
    public var state: QuestionState

    public init(questionId: UUID, state: QuestionState) {
        self.questionId = questionId
        self.state = state
    }
}

/// `question`: a question as everyone sees it. `askedBy`/`askerName` are
/// absent for an anonymous question; `youVoted` only in replies to the
/// viewer. Clients order by `votes` (then `askedAt`) and keep the view
/// with the highest `revision`.
public struct QuestionView: Codable, Sendable, Equatable {
    public var id: UUID
    public var text: String
    public var anonymous: Bool
    public var askedBy: UUID?
    public var askerName: String?
    public var state: QuestionState
    public var votes: Int
    public var revision: Int
    public var askedAt: Date
    public var youVoted: Bool?

    public init(
        id: UUID, text: String, anonymous: Bool, askedBy: UUID?, askerName: String?, state: QuestionState, votes: Int,
        revision: Int, askedAt: Date, youVoted: Bool? = nil
    ) {
        self.id = id
        self.text = text
        self.anonymous = anonymous
        self.askedBy = askedBy
        self.askerName = askerName
        self.state = state
        self.votes = votes
        self.revision = revision
        self.askedAt = askedAt
        self.youVoted = youVoted
    }
}
