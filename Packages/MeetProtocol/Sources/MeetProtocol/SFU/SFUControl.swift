/// Control requests from ServerWS to an SFU node, sent as bus `request`
/// envelopes to the node's inbox ``BusChannel/sfuInbox(nodeId:)`` and
/// answered with a `reply` (or an `error` whose body is a ``BusErrorBody``
/// with a code from ``SFUControlErrorCode``).
///
/// ```text
/// sfu.create-publisher   CreatePublisherRequest   → CreatePublisherReply
/// sfu.create-subscriber  CreateSubscriberRequest  → CreateSubscriberReply
/// sfu.subscriber-answer  SubscriberAnswerRequest  → SFUCloseReply (closed: 0)
/// sfu.close-transport    CloseTransportRequest    → SFUCloseReply
/// sfu.close-participant  CloseParticipantRequest  → SFUCloseReply
/// ```
public enum SFUControlType {
    public static let createPublisher = "sfu.create-publisher"
    public static let createSubscriber = "sfu.create-subscriber"
    public static let subscriberAnswer = "sfu.subscriber-answer"
    public static let closeTransport = "sfu.close-transport"
    public static let closeParticipant = "sfu.close-participant"
}

/// The stable `code` values of an SFU node's `error` replies.
public enum SFUControlErrorCode: String, Codable, Sendable, CaseIterable {
    /// `create-subscriber` names a participant that publishes nothing on this node.
    case unknownPublisher = "unknown_publisher"
    /// The transport id is not (or no longer) on this node.
    case unknownTransport = "unknown_transport"
    /// The SDP could not be parsed or negotiated (the message says why).
    case badSDP = "bad_sdp"
    /// A body field is missing or malformed.
    case badRequest = "bad_request"
    /// The node is draining and takes no new transports.
    case draining
    /// The message type is not one this node answers.
    case unsupportedType = "unsupported_type"
}

/// `sfu.create-publisher`: the client's offer for the media it sends.
public struct CreatePublisherRequest: Codable, Sendable, Hashable {
    public var participantId: String
    public var roomId: String
    /// The client's SDP offer (sendonly or sendrecv sections).
    public var offer: String

    public init(participantId: String, roomId: String, offer: String) {
        self.participantId = participantId
        self.roomId = roomId
        self.offer = offer
    }
}

/// The node's answer to a publisher's offer.
public struct CreatePublisherReply: Codable, Sendable, Hashable {
    public var transportId: String
    /// The node's SDP answer (ICE-lite, one host candidate on the node's UDP port).
    public var answer: String

    public init(transportId: String, answer: String) {
        self.transportId = transportId
        self.answer = answer
    }
}

/// `sfu.create-subscriber`: a transport that sends one publisher's tracks to a participant.
public struct CreateSubscriberRequest: Codable, Sendable, Hashable {
    /// Who receives.
    public var participantId: String
    /// Whose media: a participant with a publisher transport on this node.
    public var publisherParticipantId: String

    public init(participantId: String, publisherParticipantId: String) {
        self.participantId = participantId
        self.publisherParticipantId = publisherParticipantId
    }
}

/// The node's sendonly offer; the client answers with `sfu.subscriber-answer`.
public struct CreateSubscriberReply: Codable, Sendable, Hashable {
    public var transportId: String
    public var offer: String

    public init(transportId: String, offer: String) {
        self.transportId = transportId
        self.offer = offer
    }
}

/// `sfu.subscriber-answer`: the client's answer to the node's subscriber offer.
public struct SubscriberAnswerRequest: Codable, Sendable, Hashable {
    public var transportId: String
    public var answer: String

    public init(transportId: String, answer: String) {
        self.transportId = transportId
        self.answer = answer
    }
}

/// `sfu.close-transport`: closes one transport (a publisher's also closes its subscribers).
public struct CloseTransportRequest: Codable, Sendable, Hashable {
    public var transportId: String

    public init(transportId: String) {
        self.transportId = transportId
    }
}

/// `sfu.close-participant`: closes every transport of a participant on this node.
public struct CloseParticipantRequest: Codable, Sendable, Hashable {
    public var participantId: String

    public init(participantId: String) {
        self.participantId = participantId
    }
}

/// The reply to closes (and to `subscriber-answer`, with `closed` 0).
public struct SFUCloseReply: Codable, Sendable, Hashable {
    /// How many transports were closed.
    public var closed: Int

    public init(closed: Int) {
        self.closed = closed
    }
}
