import NIOConcurrencyHelpers

/// A one-way gate: callers wait until it opens (the inbox is subscribed) or
/// closes for good (shutdown). Requests made before ``BusEndpoint/run()``
/// has subscribed wait here instead of losing their replies.
final class Gate: Sendable {
    private enum State {
        case pending([UInt64: CheckedContinuation<Bool, Never>])
        case open
        case closed
    }

    private let state = NIOLockedValueBox(State.pending([:]))
    private let ids = NIOLockedValueBox<UInt64>(0)

    enum Outcome: Sendable { case open, closed, timedOut }

    /// Opens the gate, unless it was closed for good.
    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            guard case .pending(let waiters) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Closes the gate for good, whatever its state.
    func close() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            defer { state = .closed }
            guard case .pending(let waiters) = state else { return [] }
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    /// Waits until the gate opens or closes, at most `timeout`.
    func wait(timeout: Duration) async throws -> Outcome {
        switch state.withLockedValue({ $0 }) {
        case .open: return .open
        case .closed: return .closed
        case .pending: break
        }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask { await self.wait() ? .open : .closed }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .timedOut
        }
    }

    private func wait() async -> Bool {
        let id = ids.withLockedValue { $0 += 1; return $0 }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLockedValue { state -> Bool? in
                    switch state {
                    case .open: return true
                    case .closed: return false
                    case .pending(var waiters):
                        waiters[id] = continuation
                        state = .pending(waiters)
                        return nil
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
                guard case .pending(var waiters) = state, let waiter = waiters.removeValue(forKey: id) else { return nil }
                state = .pending(waiters)
                return waiter
            }
            waiter?.resume(returning: false)
        }
    }
}
