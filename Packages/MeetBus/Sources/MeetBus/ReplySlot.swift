import NIOConcurrencyHelpers

/// Where the reply to one outstanding request lands. Registered before the
/// request is published (a fast responder may answer before the requester
/// starts waiting), completed once by whichever comes first: the reply, the
/// timeout, cancellation, or shutdown.
final class ReplySlot: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<[UInt8], any Error>)
        case done(Result<[UInt8], any Error>)
    }

    private let state = NIOLockedValueBox(State.idle)

    /// Completes the slot; later completions are ignored.
    func complete(_ result: Result<[UInt8], any Error>) {
        let continuation = state.withLockedValue { state -> CheckedContinuation<[UInt8], any Error>? in
            switch state {
            case .idle:
                state = .done(result)
                return nil
            case .waiting(let continuation):
                state = .done(result)
                return continuation
            case .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }

    /// The reply, or `BusError.timeout` after `timeout`.
    func value(timeout: Duration, onTimeout: @autoclosure @Sendable () -> BusError) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await self.value() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let reply = first else {
                complete(.failure(onTimeout()))
                throw onTimeout()
            }
            return reply
        }
    }

    private func value() async throws -> [UInt8] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLockedValue { state -> Result<[UInt8], any Error>? in
                    switch state {
                    case .idle:
                        state = .waiting(continuation)
                        return nil
                    case .done(let result):
                        return result
                    case .waiting:
                        return .failure(BusError.shutdown)  // never: one waiter per slot
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            complete(.failure(CancellationError()))
        }
    }
}

/// Outstanding requests by correlation id. Plain data; the endpoint keeps
/// it behind a lock.
struct PendingRequests {
    private var slots: [String: ReplySlot] = [:]

    var count: Int { slots.count }

    mutating func register(_ id: String) -> ReplySlot {
        let slot = ReplySlot()
        slots[id] = slot
        return slot
    }

    /// Removes and returns the slot for `id`; nil for unknown ids (late
    /// replies after a timeout, duplicates, replies meant for someone else).
    mutating func remove(_ id: String) -> ReplySlot? {
        slots.removeValue(forKey: id)
    }

    mutating func removeAll() -> [ReplySlot] {
        defer { slots = [:] }
        return Array(slots.values)
    }
}
