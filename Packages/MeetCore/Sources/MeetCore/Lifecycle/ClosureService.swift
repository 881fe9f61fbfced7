public import ServiceLifecycle

/// A ``Service`` made from a closure, for small long-running jobs (a
/// periodic sweep, a heartbeat) that do not deserve their own type.
///
/// The closure should return when graceful shutdown is triggered; the
/// usual pattern is `try await gracefulShutdown()` or a loop over
/// `cancelWhenGracefulShutdown`.
public struct ClosureService: Service {
    private let body: @Sendable () async throws -> Void

    public init(_ body: @escaping @Sendable () async throws -> Void) {
        self.body = body
    }

    public func run() async throws {
        try await self.body()
    }
}
