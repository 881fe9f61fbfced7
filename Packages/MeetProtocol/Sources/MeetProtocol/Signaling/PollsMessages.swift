import Foundation

/// The poll and Q&A requests a client sends (issue #21 items 3 and 4), one
/// ``ClientMessage/engagement(_:)`` case so the signaling enums grow by one.
public enum EngagementCommand: Sendable, Equatable {
    case pollCreate(PollCreate)
    case pollLaunch(PollTarget)
    case pollClose(PollTarget)
    case pollVote(PollVote)
    case questionAsk(QuestionAsk)
    case questionVote(QuestionVote)
    case questionModerate(QuestionModerate)
    /// The meeting's polls and questions (reply `engagement`).
    case get

    public static let types = [
        "poll-create", "poll-launch", "poll-close", "poll-vote", "question-ask", "question-vote", "question-moderate", "engagement-get",
    ]

    public var type: String {
        switch self {
        case .pollCreate: "poll-create"
        case .pollLaunch: "poll-launch"
        case .pollClose: "poll-close"
        case .pollVote: "poll-vote"
        case .questionAsk: "question-ask"
        case .questionVote: "question-vote"
        case .questionModerate: "question-moderate"
        case .get: "engagement-get"
        }
    }

    /// Host-only: creating, launching, closing polls and moderating questions.
    public var requiresHost: Bool {
        switch self {
        case .pollCreate, .pollLaunch, .pollClose, .questionModerate: true
        default: false
        }
    }

    /// Decodes a frame whose type is one of ``types``.
    static func decode(_ reader: ClientPayload) throws(ClientDecodeError) -> EngagementCommand {
        switch reader.type {
        case "poll-create": return .pollCreate(try reader.decode(PollCreate.self))
        case "poll-launch": return .pollLaunch(try reader.decode(PollTarget.self))
        case "poll-close": return .pollClose(try reader.decode(PollTarget.self))
        case "poll-vote": return .pollVote(try reader.decode(PollVote.self))
        case "question-ask": return .questionAsk(try reader.decode(QuestionAsk.self))
        case "question-vote": return .questionVote(try reader.decode(QuestionVote.self))
        case "question-moderate": return .questionModerate(try reader.decode(QuestionModerate.self))
        default:
            _ = try reader.decode(EmptyData.self, empty: EmptyData())
            return .get
        }
    }

    /// The `data` to encode (clients and tests).
    var data: any Encodable {
        switch self {
        case .pollCreate(let data): data
        case .pollLaunch(let data), .pollClose(let data): data
        case .pollVote(let data): data
        case .questionAsk(let data): data
        case .questionVote(let data): data
        case .questionModerate(let data): data
        case .get: EmptyData()
        }
    }
}

/// What the server sends about polls and Q&A: one ``ServerMessage/engagement(_:)`` case.
public enum EngagementEvent: Sendable, Equatable {
    /// A poll was created, launched, voted on (hosts) or closed.
    case poll(PollView)
    /// A question was asked, voted on or moderated.
    case question(QuestionView)
    /// Reply to `engagement-get`.
    case state(EngagementState)

    public static let types = ["poll", "question", "engagement"]

    public var type: String {
        switch self {
        case .poll: "poll"
        case .question: "question"
        case .state: "engagement"
        }
    }

    var data: any Encodable {
        switch self {
        case .poll(let data): data
        case .question(let data): data
        case .state(let data): data
        }
    }

    static func decode(type: String, _ bytes: Data) throws -> EngagementEvent {
        let decoder = SignalingCodec.makeDecoder()
        func payload<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(SignalingCodec.Body<T>.self, from: bytes).data }
        switch type {
        case "poll": return .poll(try payload(PollView.self))
        case "question": return .question(try payload(QuestionView.self))
        default: return .state(try payload(EngagementState.self))
        }
    }
}

/// The `data` of one client frame, decoded with the codec's rules: a
/// missing `data` is `empty` where the type allows it, and a failure names
/// the field. Message families in their own files decode through it.
struct ClientPayload {
    let type: String
    let id: String?
    let bytes: Data
    let decoder: JSONDecoder

    func decode<T: Decodable>(_: T.Type, empty: T? = nil) throws(ClientDecodeError) -> T {
        do {
            return try self.decoder.decode(SignalingCodec.Body<T>.self, from: self.bytes).data
        } catch DecodingError.keyNotFound(let key, let context) where key.stringValue == "data" && context.codingPath.isEmpty {
            if let empty { return empty }
            throw ClientDecodeError(id: self.id, .invalidData, "\(self.type) needs a \"data\" object")
        } catch {
            throw ClientDecodeError(id: self.id, .invalidData, SignalingCodec.describe(error, type: self.type))
        }
    }
}
