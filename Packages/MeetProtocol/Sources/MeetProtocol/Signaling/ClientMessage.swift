import Foundation

/// Every message a client may send, decoded from one text frame.
///
/// Wire form: `{"type": "<type>", "id": "<optional request id>", "data": {...}}`.
/// `data` may be omitted for types that carry nothing. See docs/signaling.md.
public enum ClientMessage: Sendable, Equatable {
    case join
    case leave
    case media(MediaUpdate)
    case hand(HandUpdate)
    case chat(ChatSend)
    case mute(MuteCommand)
    case kick(TargetCommand)
    case admit(TargetCommand)
    case deny(TargetCommand)
    case endMeeting
    case ping(PingData)
    /// Offer media to the room (or renegotiate what is offered).
    case publish(PublishRequest)
    /// Stop publishing.
    case unpublish
    /// Receive a publisher's tracks (or renegotiate a subscription).
    case subscribe(SubscribeRequest)
    /// Answer a `subscription` offer.
    case subscribeAnswer(SubscribeAnswer)
    /// Close a subscription.
    case unsubscribe(UnsubscribeRequest)
    /// Which videos to receive (last-N): replaces the previous preference whole.
    case videoPreferences(VideoPreferencesRequest)
    /// An emoji to the room (not stored).
    case reaction(ReactionSend)
    /// Hosts: start recording the meeting (docs/dev/recording.md).
    case recordStart
    /// One whiteboard operation (draw, erase; hosts: clear, lock).
    case whiteboardOp(WhiteboardOp)
    /// The whiteboard's ops since a `seq` (or all of them).
    case whiteboardSync(WhiteboardSyncRequest)
    /// Hosts: stop the meeting's recording.
    case recordStop
    /// Polls and Q&A (issue #21): `poll-*`, `question-*`, `engagement-get`.
    case engagement(EngagementCommand)
    /// Breakout rooms (issue #21 item 5): `breakout-*`.
    case breakout(BreakoutCommand)

    /// The wire `type` of each case.
    public var type: String {
        switch self {
        case .join: "join"
        case .leave: "leave"
        case .media: "media"
        case .hand: "hand"
        case .chat: "chat"
        case .mute: "mute"
        case .kick: "kick"
        case .admit: "admit"
        case .deny: "deny"
        case .endMeeting: "end-meeting"
        case .ping: "ping"
        case .publish: "publish"
        case .unpublish: "unpublish"
        case .subscribe: "subscribe"
        case .subscribeAnswer: "subscribe-answer"
        case .unsubscribe: "unsubscribe"
        case .videoPreferences: "video-preferences"
        case .reaction: "reaction"
        case .recordStart: "record-start"
        case .recordStop: "record-stop"
        case .engagement(let command): command.type
        case .breakout(let command): command.type
        case .whiteboardOp: "whiteboard-op"
        case .whiteboardSync: "whiteboard-sync"
        }
    }

    /// Every client type, for docs and metrics labels.
    public static let allTypes = [
        "join", "leave", "media", "hand", "chat", "mute", "kick", "admit", "deny", "end-meeting", "ping",
        "publish", "unpublish", "subscribe", "subscribe-answer", "unsubscribe", "video-preferences", "reaction",
        "record-start", "record-stop",
        "whiteboard-op", "whiteboard-sync",
    ] + EngagementCommand.types + BreakoutCommand.types

    /// Whether only hosts (owner or host role) may send it.
    public var requiresHost: Bool {
        switch self {
        case .mute, .kick, .admit, .deny, .endMeeting, .recordStart, .recordStop: true
        case .engagement(let command): command.requiresHost
        case .breakout(let command): command.requiresHost
        default: false
        }
    }
}

/// A decoded client frame: the request id (echoed in the reply) and the message.
public struct ClientEnvelope: Sendable, Equatable {
    public var id: String?
    public var message: ClientMessage

    public init(id: String? = nil, _ message: ClientMessage) {
        self.id = id
        self.message = message
    }
}

/// Why a client frame was refused; each becomes an `error` frame with the
/// request id when one could be read.
public struct ClientDecodeError: Error, Sendable, Equatable {
    public var id: String?
    public var error: SignalingError

    public init(id: String?, _ code: SignalingErrorCode, _ message: String) {
        self.id = id
        self.error = SignalingError(code, message)
    }
}
