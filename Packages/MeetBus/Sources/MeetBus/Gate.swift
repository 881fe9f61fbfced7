import NIOConcurrencyHelpers

/// A one-way gate: callers wait until it opens (the inbox is subscribed) or
/// closes for good (shutdown). Requests made before ``BusEndpoint/run()``
/// has subscribed wait here instead of losing their replies.
final class Gate: Sendable {
    private enum State {
        case pending([UInt64: CheckedContinuation<Bool, any Error>])
        case open
        case closed
    }

    private let state = NIOLockedValueBox(State.pending([:]))
    private let ids = NIOLockedValueBox<UInt64>(0)

    enum Outcome: Sendable { case open, closed, timedOut }

    /// Callers waiting now (for tests: a cancelled one must not stay).
    var waiterCount: Int {
        state.withLockedValue { state in
            guard case .pending(let waiters) = state else { return 0 }
            return waiters.count
        }
    }

    /// Opens the gate, unless it was closed for good.
    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, any Error>] in
            guard case .pending(let waiters) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Closes the gate for good, whatever its state.
    func close() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, any Error>] in
            defer { state = .closed }
            guard case .pending(let waiters) = state else { return [] }
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    /// Waits until the gate opens or closes, at most `timeout`; throws
    /// `CancellationError` when the caller is cancelled first.
    func wait(timeout: Duration) async throws -> Outcome {
        switch state.withLockedValue({ $0 }) {
        case .open: return .open
        case .closed: return .closed
        case .pending: break
        }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask { try await self.wait() ? .open : .closed }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .timedOut
        }
    }

    /// Each waiter is resumed exactly once, by whichever of ``open()``,
    /// ``close()`` and cancellation takes it out of the table first.
    /// Cancellation may come before the waiter is in the table (the
    /// handler then finds nothing to resume), so the waiter checks for it
    /// under the same lock before going in: otherwise it stayed in the
    /// table and nothing resumed it until the gate opened or closed, and
    /// ``wait(timeout:)`` (whose task group waits for this child) hung.
    private func wait() async throws -> Bool {
        let id = ids.withLockedValue { $0 += 1; return $0 }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLockedValue { state -> Result<Bool, any Error>? in
                    switch state {
                    case .open: return .success(true)
                    case .closed: return .success(false)
                    case .pending where Task.isCancelled: return .failure(CancellationError())
                    case .pending(var waiters):
                        waiters[id] = continuation
                        state = .pending(waiters)
                        return nil
                    }
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Bool, any Error>? in
                guard case .pending(var waiters) = state, let waiter = waiters.removeValue(forKey: id) else { return nil }
                state = .pending(waiters)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
