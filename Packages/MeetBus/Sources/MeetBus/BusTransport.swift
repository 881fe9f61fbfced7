public import MeetRedis

/// The port the bus stands on: publish bytes to a channel, subscribe to a
/// channel. Two adapters: ``RedisBusTransport`` (production, every process
/// sharing one Redis) and ``InMemoryBusTransport`` (unit tests: several
/// "processes" sharing one in-memory broker).
///
/// The port speaks only the bus's types (``BusTransportSubscription``,
/// ``BusTransportMessage``), so an adapter's types (MeetRedis's
/// `RedisSubscription`) never reach the bus's users.
public protocol BusTransport: Sendable {
    /// Returns how many subscribers received the payload (0: nobody listens).
    func publish(_ payload: [UInt8], to channel: String) async throws -> Int
    /// Returns once the subscription is active: later publishes reach it.
    func subscribe(to channel: String) async throws -> BusTransportSubscription
    /// Whether what is published now reaches this process's subscriptions
    /// (false while the pub/sub connection is down or re-subscribing).
    var isLive: Bool { get }
    /// Losses and restorations of the subscriptions (``PubSubEvent``).
    func events() -> AsyncStream<PubSubEvent>
}

extension BusTransport {
    /// A transport that cannot lose its subscriptions (in memory) is always live.
    public var isLive: Bool { true }

    public func events() -> AsyncStream<PubSubEvent> {
        AsyncStream { $0.finish() }
    }
}

/// One payload received on a subscribed channel.
public struct BusTransportMessage: Sendable, Hashable {
    public var channel: String
    public var payload: [UInt8]

    public init(channel: String, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }
}

/// The payloads of one transport subscription (the adapter's sequence,
/// converted as it is read).
public typealias BusTransportSubscription = BusStream<BusTransportMessage>
