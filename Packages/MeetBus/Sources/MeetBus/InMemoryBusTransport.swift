import NIOConcurrencyHelpers

/// An in-process broker with Redis pub/sub semantics (fan-out to every
/// current subscriber of the exact channel, in publish order, nothing kept
/// for later subscribers). Share one instance between the bus endpoints of
/// a test to make them talk.
public final class InMemoryBusTransport: BusTransport {
    private struct State {
        var subscribers: [String: [UInt64: AsyncStream<BusTransportMessage>.Continuation]] = [:]
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
                continuation.yield(BusTransportMessage(channel: channel, payload: payload))
            }
            return receivers.count
        }
    }

    public func subscribe(to channel: String) async throws -> BusTransportSubscription {
        let (stream, continuation) = AsyncStream.makeStream(of: BusTransportMessage.self)
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
        return BusTransportSubscription(stream) { continuation.finish() }
    }

    /// How many subscriptions `channel` has (for tests).
    public func subscriberCount(_ channel: String) -> Int {
        state.withLockedValue { $0.subscribers[channel]?.count ?? 0 }
    }
}
