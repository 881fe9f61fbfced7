import Foundation
public import MeetProtocol
public import MeetRedis

/// The bus as ServerWS and the SFU nodes see it: events on channels, an
/// inbox per process, and request/reply between inboxes. Bodies are
/// Codable values wrapped in a ``BusEnvelope`` (JSON on the wire).
///
/// ``BusEndpoint`` implements it over any ``BusTransport``: Redis in
/// production, in-memory in unit tests.
public protocol MessageBus: Sendable {
    /// This process's inbox channel (`ws:{replicaId}`, `sfu:{nodeId}`).
    var inbox: String { get }

    /// Publishes an `event` envelope; returns how many subscribers got it.
    @discardableResult
    func publish<Body: Codable & Sendable>(_ type: String, _ body: Body, to channel: String) async throws -> Int

    /// Envelopes published on `channel` from now on.
    func subscribe(to channel: String) async throws -> BusSubscription

    /// Sends a `request` to another process's inbox and waits for its reply.
    /// Throws ``BusError/timeout(type:inbox:)`` when no answer comes in
    /// `timeout`, ``BusError/noResponder(inbox:)`` at once when nothing
    /// listens on `inbox`, ``BusError/remote(_:)`` when the responder failed.
    func request<Body: Codable & Sendable, Reply: Codable & Sendable>(
        _ type: String, _ body: Body, to inbox: String, timeout: Duration, as replyType: Reply.Type
    ) async throws -> Reply

    /// Installs the function that answers requests arriving at ``inbox``
    /// (replacing any earlier one). Each request runs in its own child task.
    func setRequestHandler(_ handler: @escaping BusRequestHandler)

    /// `event` envelopes sent to ``inbox`` (messages for this process alone).
    var inboxEvents: AsyncStream<BusMessage> { get }

    /// Each loss and restoration of this process's subscriptions: what was
    /// published in between never arrived (Redis pub/sub keeps nothing).
    func connectionEvents() -> AsyncStream<PubSubEvent>
}

extension MessageBus {
    public func connectionEvents() -> AsyncStream<PubSubEvent> {
        AsyncStream { $0.finish() }
    }
}

/// Answers one request: return a ``BusResponse``, or throw a
/// ``BusErrorBody`` (sent back as is) or any other error (sent as `internal`).
public typealias BusRequestHandler = @Sendable (BusMessage) async throws -> BusResponse

/// Why a bus call failed.
public enum BusError: Error, Hashable, Sendable {
    /// No reply within the timeout.
    case timeout(type: String, inbox: String)
    /// Nobody subscribes to that inbox: the process is gone (or never was).
    case noResponder(inbox: String)
    /// The responder answered with an `error` envelope.
    case remote(BusErrorBody)
    /// A message or reply body could not be decoded as the expected type.
    case decoding(String)
    /// The endpoint has shut down (or not started yet and was shut down).
    case shutdown
    /// This process's subscriptions are cut off (the pub/sub connection is
    /// down or re-subscribing), so no reply could arrive: the request fails
    /// at once instead of waiting out its timeout. Requests waiting when the
    /// connection was lost fail with this too.
    case unavailable
}

/// One envelope received from the bus, body not yet decoded.
public struct BusMessage: Sendable {
    public let channel: String
    public let header: BusEnvelopeHeader
    /// The whole envelope as received (JSON).
    public let raw: [UInt8]

    public var type: String { header.type }

    /// Reads the header; `nil` for bytes that are not a bus envelope.
    init?(channel: String, raw: [UInt8]) {
        guard let header = try? JSONDecoder().decode(BusEnvelopeHeader.self, from: Data(raw)) else { return nil }
        self.channel = channel
        self.header = header
        self.raw = raw
    }

    /// Decodes the body as `Body`.
    public func decode<Body: Codable & Sendable>(_ type: Body.Type = Body.self) throws -> Body {
        do {
            return try JSONDecoder().decode(BusEnvelope<Body>.self, from: Data(raw)).body
        } catch {
            throw BusError.decoding("\(header.type): \(error)")
        }
    }
}

/// A handler's answer: any Codable body, encoded into a `reply` envelope.
public struct BusResponse: Sendable {
    let encode: @Sendable (BusEnvelopeHeader) throws -> [UInt8]

    public init<Body: Codable & Sendable>(_ body: Body) {
        encode = { header in
            let envelope = BusEnvelope(
                kind: header.kind, type: header.type, id: header.id, replyTo: header.replyTo, from: header.from,
                body: body)
            return Array(try JSONEncoder().encode(envelope))
        }
    }

    /// A reply with an empty body.
    public static var empty: BusResponse { BusResponse(BusEmpty()) }
}

/// The envelopes of one channel subscription; bytes that are not an
/// envelope are skipped.
public typealias BusSubscription = BusStream<BusMessage>
