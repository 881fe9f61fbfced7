import NIOConcurrencyHelpers

/// Listeners of a connection's events (connected, lost, restored): each
/// ``stream()`` gets every event yielded after it was made, until
/// ``finish()``; a slow listener keeps only the newest `buffer` events.
final class EventListeners<Event: Sendable>: Sendable {
    private struct State {
        var continuations: [UInt64: AsyncStream<Event>.Continuation] = [:]
        var next: UInt64 = 0
        var isFinished = false
    }

    private let state = NIOLockedValueBox(State())
    private let buffer: Int

    init(buffer: Int) {
        self.buffer = max(1, buffer)
    }

    /// A new listener; already finished when ``finish()`` was called.
    func stream() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(self.buffer))
        let id: UInt64? = self.state.withLockedValue { state in
            guard !state.isFinished else { return nil }
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [state] _ in
            _ = state.withLockedValue { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ event: Event) {
        for continuation in self.state.withLockedValue({ Array($0.continuations.values) }) { continuation.yield(event) }
    }

    /// Ends every listener's stream, and those made later.
    func finish() {
        let continuations = self.state.withLockedValue { state in
            state.isFinished = true
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
