import NIOConcurrencyHelpers

/// Closed until meet-api's schema is migrated (``APIStorage/prepare``, run
/// before the HTTP server starts); the ``JobWorker`` polls nothing before
/// it opens. Services start beside `beforeServerStarts`, so without it the
/// worker's first reminder scan met a database without its tables and
/// logged a failure at every start on an empty database.
final class StartGate: Sendable {
    private let isOpen: NIOLockedValueBox<Bool>

    init(open: Bool = false) {
        self.isOpen = NIOLockedValueBox(open)
    }

    func open() {
        self.isOpen.withLockedValue { $0 = true }
    }

    var opened: Bool { self.isOpen.withLockedValue { $0 } }

    /// Returns once open; throws `CancellationError` when the task is
    /// cancelled first (a start that failed, a shutdown).
    func wait(checkEvery interval: Duration = .milliseconds(50)) async throws {
        while !self.opened { try await Task.sleep(for: interval) }
    }
}
