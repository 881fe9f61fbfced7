/// What travels on the Redis bus between ServerWS replicas and SFU nodes:
/// one JSON object per pub/sub message.
///
/// ```json
/// {"kind":"request","type":"sfu.createTransport","id":"6F9…","replyTo":"ws:replica-1",
///  "from":"ws:replica-1","body":{…}}
/// {"kind":"reply","type":"sfu.createTransport","id":"6F9…","from":"sfu:node-a","body":{…}}
/// {"kind":"error","type":"sfu.createTransport","id":"6F9…","from":"sfu:node-a",
///  "body":{"code":"not_found","message":"no such transport"}}
/// {"kind":"event","type":"participant.joined","from":"ws:replica-2","body":{…}}
/// ```
///
/// `type` names the message (its body's shape); `id` correlates a reply with
/// its request; `replyTo` is the inbox channel the reply goes to. A receiver
/// reads ``BusEnvelopeHeader`` first (everything but the body), then decodes
/// the body as the type it expects.
public struct BusEnvelope<Body: Codable & Sendable>: Codable, Sendable {
    public var kind: BusMessageKind
    public var type: String
    public var id: String?
    public var replyTo: String?
    public var from: String?
    public var body: Body

    public init(
        kind: BusMessageKind, type: String, id: String? = nil, replyTo: String? = nil, from: String? = nil, body: Body
    ) {
        self.kind = kind
        self.type = type
        self.id = id
        self.replyTo = replyTo
        self.from = from
        self.body = body
    }

    public var header: BusEnvelopeHeader {
        BusEnvelopeHeader(kind: kind, type: type, id: id, replyTo: replyTo, from: from)
    }
}

extension BusEnvelope: Equatable where Body: Equatable {}

/// The envelope without its body: enough to route a message before knowing
/// what its body is.
public struct BusEnvelopeHeader: Codable, Sendable, Hashable {
    public var kind: BusMessageKind
    public var type: String
    public var id: String?
    public var replyTo: String?
    public var from: String?

    public init(kind: BusMessageKind, type: String, id: String? = nil, replyTo: String? = nil, from: String? = nil) {
        self.kind = kind
        self.type = type
        self.id = id
        self.replyTo = replyTo
        self.from = from
    }
}

/// The four things a bus message can be.
public enum BusMessageKind: String, Codable, Sendable, Hashable {
    /// Fire-and-forget: room events, announcements (node draining).
    case event
    /// Expects exactly one `reply` or `error` on `replyTo` with the same `id`.
    case request
    case reply
    /// A request failed on the responder; the body is ``BusErrorBody``.
    case error
}

/// The body of an `error` reply.
public struct BusErrorBody: Codable, Sendable, Hashable, Error {
    /// snake_case, stable: `not_found`, `unsupported_type`, `internal`, …
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// A body with nothing in it (`{}`), for requests and events that carry no data.
public struct BusEmpty: Codable, Sendable, Hashable {
    public init() {}
}

/// Bus channel names, in one place so that every process agrees on them.
public enum BusChannel {
    /// The inbox of a ServerWS replica: messages for the sockets it holds, replies to its requests.
    public static func wsInbox(replicaId: String) -> String { "ws:\(replicaId)" }
    /// The inbox of an SFU node: control requests from ServerWS.
    public static func sfuInbox(nodeId: String) -> String { "sfu:\(nodeId)" }
    /// Room-wide events, seen by every replica with a participant in the room.
    public static func room(_ roomId: String) -> String { "room:\(roomId)" }
}
