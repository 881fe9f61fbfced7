import NIOConcurrencyHelpers

/// What happened to the pub/sub connection, as its listeners hear it.
public enum PubSubEvent: Sendable, Equatable {
    /// The connection closed: nothing published from now on reaches this
    /// process until ``restored(after:)``.
    case lost
    /// Connected again and every subscription confirmed by Redis; `after`
    /// is how long the connection was down (what may have been missed).
    case restored(after: Duration)
}

/// Whether ``RedisSubscriber``'s subscriptions are live right now, and who
/// is told when that changes (issue #23, finding 3).
///
/// **Why.** Redis pub/sub keeps nothing for a subscriber that is away: a
/// reply published to this process's inbox while its connection is down
/// or still re-subscribing is lost, and its requester used to wait out the
/// whole request timeout (5 s after an empty Redis restart). Knowing that
/// the link is down lets a request fail at once instead, and knowing how
/// long it was down lets the owner of acknowledged messages (chat) fetch
/// what it missed.
final class SubscriberLiveness: Sendable {
    private struct State {
        var isLive = false
        /// When the last connection closed; nil before the first one.
        var lostAt: ContinuousClock.Instant?
        var listeners: [UInt64: AsyncStream<PubSubEvent>.Continuation] = [:]
        var nextListener: UInt64 = 0
        var isFinished = false
    }

    private let state = NIOLockedValueBox(State())

    /// Whether the connection is up and every subscription was confirmed.
    var isLive: Bool { state.withLockedValue { $0.isLive } }

    /// Every change from now on, until ``finish()``. Bounded: a slow
    /// listener keeps the newest 16.
    func events() -> AsyncStream<PubSubEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PubSubEvent.self, bufferingPolicy: .bufferingNewest(16))
        let id: UInt64? = state.withLockedValue { state in
            guard !state.isFinished else { return nil }
            state.nextListener += 1
            state.listeners[state.nextListener] = continuation
            return state.nextListener
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [state] _ in
            _ = state.withLockedValue { $0.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    /// Connected and re-subscribed (Redis answered a `PING` sent after the
    /// subscribe commands, so it has run them).
    func restored(now: ContinuousClock.Instant = .now) {
        let (listeners, event) = state.withLockedValue { state -> ([AsyncStream<PubSubEvent>.Continuation], PubSubEvent?) in
            guard !state.isLive else { return ([], nil) }
            state.isLive = true
            // The first connection restores nothing: nothing was missed.
            guard let lostAt = state.lostAt else { return ([], nil) }
            return (Array(state.listeners.values), .restored(after: lostAt.duration(to: now)))
        }
        if let event { for listener in listeners { listener.yield(event) } }
    }

    /// The connection closed.
    func lost(now: ContinuousClock.Instant = .now) {
        let listeners = state.withLockedValue { state -> [AsyncStream<PubSubEvent>.Continuation] in
            // A connection that closes before it was confirmed keeps the
            // first loss's time: what was missed goes back to then.
            guard state.isLive else { return [] }
            state.isLive = false
            state.lostAt = now
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.yield(.lost) }
    }

    func finish() {
        let listeners = state.withLockedValue { state in
            state.isLive = false
            state.isFinished = true
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }
}
