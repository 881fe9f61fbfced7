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

    func open() { resolve(.open, true) }
    func close() { resolve(.closed, false) }

    private func resolve(_ final: State, _ value: Bool) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            guard case .pending(let waiters) = state else { return [] }
            state = final
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// True once open; false when closed or after `timeout`.
    func wait(timeout: Duration) async throws -> Bool {
        switch state.withLockedValue({ $0 }) {
        case .open: return true
        case .closed: return false
        case .pending: break
        }
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
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
