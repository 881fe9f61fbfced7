/// Thrown by ``withDeadline(_:operation:)`` when the operation ran too long.
public struct DeadlineExceeded: Error, Sendable, Equatable {
    public let limit: Duration

    public init(limit: Duration) {
        self.limit = limit
    }
}

/// Runs `operation`, cancelling it and throwing ``DeadlineExceeded`` if it
/// has not finished within `limit`.
///
/// The operation must honour cancellation for the deadline to free its
/// resources promptly (PostgresNIO's connection leases and queries do).
public func withDeadline<Value: Sendable>(
    _ limit: Duration,
    operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeadlineExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
