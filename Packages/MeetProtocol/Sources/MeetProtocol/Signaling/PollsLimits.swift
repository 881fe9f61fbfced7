import Foundation

/// Bounds on what clients may put into polls and Q&A (issue #21): every
/// list a client fills is bounded, per poll and per meeting.
public enum EngagementLimits {
    public static let maxPollQuestion = 300
    public static let minOptions = 2
    public static let maxOptions = 10
    public static let maxOption = 100
    /// Polls one meeting may hold (drafts included).
    public static let maxPolls = 50
    public static let maxQuestionText = 500
    /// Questions one meeting may hold (dismissed ones included).
    public static let maxQuestions = 200
    /// Poll and Q&A actions a socket may send at once, and per second
    /// after that: a bucket of their own beside the socket's message rate.
    public static let burst = 20
    public static let perSecond = 5
}

/// Why a poll or Q&A action was refused: the signaling `error` a client gets.
public struct EngagementRefusal: Error, Sendable, Equatable {
    public var code: SignalingErrorCode
    public var message: String

    public init(_ code: SignalingErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension PollCreate {
    /// The poll as it will be stored (texts trimmed), or why it is refused.
    public func validated() throws(EngagementRefusal) -> PollCreate {
        let question = Self.trim(self.question)
        guard (1...EngagementLimits.maxPollQuestion).contains(question.count) else {
            throw EngagementRefusal(.invalidData, "poll question must be 1 to \(EngagementLimits.maxPollQuestion) characters")
        }
        guard (EngagementLimits.minOptions...EngagementLimits.maxOptions).contains(self.options.count) else {
            throw EngagementRefusal(.invalidData, "a poll has \(EngagementLimits.minOptions) to \(EngagementLimits.maxOptions) options")
        }
        let options = self.options.map(Self.trim)
        guard options.allSatisfy({ (1...EngagementLimits.maxOption).contains($0.count) }) else {
            throw EngagementRefusal(.invalidData, "each poll option must be 1 to \(EngagementLimits.maxOption) characters")
        }
        guard Set(options).count == options.count else {
            throw EngagementRefusal(.invalidData, "poll options must differ")
        }
        return PollCreate(question: question, options: options, multiple: self.multiple ?? false, anonymous: self.anonymous ?? false)
    }

    static func trim(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension QuestionAsk {
    /// The question as it will be stored (trimmed), or why it is refused.
    public func validated() throws(EngagementRefusal) -> QuestionAsk {
        let text = PollCreate.trim(self.text)
        guard (1...EngagementLimits.maxQuestionText).contains(text.count) else {
            throw EngagementRefusal(.invalidData, "question must be 1 to \(EngagementLimits.maxQuestionText) characters")
        }
        return QuestionAsk(text: text, anonymous: self.anonymous ?? false)
    }
}
