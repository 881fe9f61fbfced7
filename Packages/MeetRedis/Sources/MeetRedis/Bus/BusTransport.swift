import NIOConcurrencyHelpers

/// The port the bus stands on: publish bytes to a channel, subscribe to a
/// channel. Two adapters: ``RedisBusTransport`` (production, every process
/// sharing one Redis) and ``InMemoryBusTransport`` (unit tests: several
/// "processes" sharing one in-memory broker).
public protocol BusTransport: Sendable {
    /// Returns how many subscribers received the payload (0: nobody listens).
    func publish(_ payload: [UInt8], to channel: String) async throws -> Int
    /// Returns once the subscription is active: later publishes reach it.
    func subscribe(to channel: String) async throws -> RedisSubscription
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

/// The bus over Redis pub/sub: PUBLISH on the command connection, SUBSCRIBE
/// on the subscriber's dedicated connection.
public struct RedisBusTransport: BusTransport {
    public let client: RedisClient
    public let subscriber: RedisSubscriber

    public init(client: RedisClient, subscriber: RedisSubscriber) {
        self.client = client
        self.subscriber = subscriber
    }

    public func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        try await client.publish(payload, to: channel)
    }

    public func subscribe(to channel: String) async throws -> RedisSubscription {
        try await subscriber.subscribe(to: channel)
    }

    public var isLive: Bool { subscriber.isLive }

    public func events() -> AsyncStream<PubSubEvent> {
        subscriber.events()
    }
}

/// An in-process broker with Redis pub/sub semantics (fan-out to every
/// current subscriber of the exact channel, in publish order, nothing kept
/// for later subscribers). Share one instance between the bus endpoints of
/// a test to make them talk.
public final class InMemoryBusTransport: BusTransport {
    private struct State {
        var subscribers: [String: [UInt64: AsyncStream<RedisMessage>.Continuation]] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        // Yield under the lock so that concurrent publishers cannot interleave
        // differently for different subscribers.
        state.withLockedValue { state in
            let receivers = state.subscribers[channel]?.values.map { $0 } ?? []
            for continuation in receivers {
                continuation.yield(RedisMessage(channel: channel, payload: payload))
            }
            return receivers.count
        }
    }

    public func subscribe(to channel: String) async throws -> RedisSubscription {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisMessage.self)
        let id = state.withLockedValue { state in
            state.nextID += 1
            state.subscribers[channel, default: [:]][state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [state] _ in
            state.withLockedValue { state in
                state.subscribers[channel]?[id] = nil
                if state.subscribers[channel]?.isEmpty == true { state.subscribers[channel] = nil }
            }
        }
        return RedisSubscription(stream: stream, continuation: continuation)
    }

    /// How many subscriptions `channel` has (for tests).
    public func subscriberCount(_ channel: String) -> Int {
        state.withLockedValue { $0.subscribers[channel]?.count ?? 0 }
    }
}
