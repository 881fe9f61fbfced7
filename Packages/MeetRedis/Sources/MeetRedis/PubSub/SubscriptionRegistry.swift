import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// A message received on a subscribed channel or pattern.
public struct RedisMessage: Sendable, Hashable {
    /// The channel it was published on.
    public var channel: String
    /// The pattern that matched, for `PSUBSCRIBE` subscriptions.
    public var pattern: String?
    public var payload: [UInt8]

    public init(channel: String, pattern: String? = nil, payload: [UInt8]) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}

/// What a subscription listens to: a channel name or a glob pattern.
struct SubscriptionKey: Hashable, Sendable {
    enum Kind: Hashable, Sendable { case channel, pattern }
    var kind: Kind
    var name: String

    /// The command that (re)subscribes to keys of this kind.
    var subscribeCommand: String { kind == .channel ? "SUBSCRIBE" : "PSUBSCRIBE" }
    var unsubscribeCommand: String { kind == .channel ? "UNSUBSCRIBE" : "PUNSUBSCRIBE" }
}

/// Who listens to what, shared between the subscriber's API (any task) and
/// the pub/sub connection's push callback (event loop), hence the lock.
/// Several local subscriptions to one channel share one server-side
/// SUBSCRIBE; it is sent for the first and withdrawn after the last.
final class SubscriptionRegistry: Sendable {
    private struct State {
        var listeners: [SubscriptionKey: [UInt64: AsyncStream<RedisMessage>.Continuation]] = [:]
        /// Completed by the server's `subscribe`/`psubscribe` confirmation.
        var confirmations: [SubscriptionKey: EventLoopPromise<Void>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    private let dropped = Counter(label: "meet_redis_pubsub_dropped_total")

    /// Registers a listener. `isFirst` tells the caller to send SUBSCRIBE;
    /// `confirmed` completes when the server has confirmed the key.
    func add(
        _ key: SubscriptionKey, _ continuation: AsyncStream<RedisMessage>.Continuation, eventLoop: any EventLoop
    ) -> (id: UInt64, isFirst: Bool, confirmed: EventLoopFuture<Void>) {
        state.withLockedValue { state in
            state.nextID += 1
            let id = state.nextID
            let isFirst = state.listeners[key, default: [:]].isEmpty
            state.listeners[key, default: [:]][id] = continuation
            let promise: EventLoopPromise<Void>
            if let existing = state.confirmations[key] {
                promise = existing
            } else if isFirst {
                promise = eventLoop.makePromise()
                state.confirmations[key] = promise
            } else {
                // Already confirmed earlier.
                return (id, isFirst, eventLoop.makeSucceededVoidFuture())
            }
            return (id, isFirst, promise.futureResult)
        }
    }

    /// Removes a listener; true when it was the last one for `key`.
    func remove(_ key: SubscriptionKey, id: UInt64) -> Bool {
        let (wasLast, pending) = state.withLockedValue { state -> (Bool, EventLoopPromise<Void>?) in
            guard state.listeners[key]?.removeValue(forKey: id) != nil else { return (false, nil) }
            guard state.listeners[key]?.isEmpty == true else { return (false, nil) }
            state.listeners[key] = nil
            return (true, state.confirmations.removeValue(forKey: key))
        }
        pending?.fail(RedisClientError.connectionClosed)
        return wasLast
    }

    /// Every key with listeners, for re-subscribing after a reconnect.
    func keys() -> [SubscriptionKey] {
        state.withLockedValue { Array($0.listeners.keys) }
    }

    /// Ends every subscription (the subscriber is shutting down).
    func finishAll() {
        let (continuations, confirmations) = state.withLockedValue { state in
            defer { state.listeners = [:]; state.confirmations = [:] }
            return (state.listeners.values.flatMap(\.values), Array(state.confirmations.values))
        }
        for promise in confirmations { promise.fail(RedisClientError.shutdown) }
        for continuation in continuations { continuation.finish() }
    }

    /// Routes one pub/sub push from the connection: messages to listeners,
    /// confirmations to waiters.
    func handlePush(_ value: RESPValue) {
        guard case .array(let items) = value, let kind = items.first?.string else { return }
        switch (kind, items.count) {
        case ("message", 3):
            guard let channel = items[1].string, let payload = items[2].bytes else { return }
            deliver(RedisMessage(channel: channel, payload: payload), to: SubscriptionKey(kind: .channel, name: channel))
        case ("pmessage", 4):
            guard let pattern = items[1].string, let channel = items[2].string, let payload = items[3].bytes else { return }
            deliver(
                RedisMessage(channel: channel, pattern: pattern, payload: payload),
                to: SubscriptionKey(kind: .pattern, name: pattern))
        case ("subscribe", 3), ("psubscribe", 3):
            guard let name = items[1].string else { return }
            let key = SubscriptionKey(kind: kind == "subscribe" ? .channel : .pattern, name: name)
            let promise = state.withLockedValue { $0.confirmations.removeValue(forKey: key) }
            promise?.succeed()
        default:
            break
        }
    }

    private func deliver(_ message: RedisMessage, to key: SubscriptionKey) {
        let continuations = state.withLockedValue { state in state.listeners[key].map { Array($0.values) } ?? [] }
        for continuation in continuations {
            if case .dropped = continuation.yield(message) { dropped.increment() }
        }
    }
}
