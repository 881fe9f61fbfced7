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
    }

    private let state = NIOLockedValueBox(State())
    private let listeners = EventListeners<PubSubEvent>(buffer: 16)

    /// Whether the connection is up and every subscription was confirmed.
    var isLive: Bool { state.withLockedValue { $0.isLive } }

    /// Every change from now on, until ``finish()``. Bounded: a slow
    /// listener keeps the newest 16.
    func events() -> AsyncStream<PubSubEvent> {
        listeners.stream()
    }

    /// Connected and re-subscribed (Redis answered a `PING` sent after the
    /// subscribe commands, so it has run them).
    func restored(now: ContinuousClock.Instant = .now) {
        let event = state.withLockedValue { state -> PubSubEvent? in
            guard !state.isLive else { return nil }
            state.isLive = true
            // The first connection restores nothing: nothing was missed.
            return state.lostAt.map { .restored(after: $0.duration(to: now)) }
        }
        if let event { listeners.yield(event) }
    }

    /// The connection closed.
    func lost(now: ContinuousClock.Instant = .now) {
        let wasLive = state.withLockedValue { state -> Bool in
            // A connection that closes before it was confirmed keeps the
            // first loss's time: what was missed goes back to then.
            guard state.isLive else { return false }
            state.isLive = false
            state.lostAt = now
            return true
        }
        if wasLive { listeners.yield(.lost) }
    }

    func finish() {
        state.withLockedValue { $0.isLive = false }
        listeners.finish()
    }
}
