/// Starts work that nobody awaits: a best-effort request to a node that is
/// lost (``SFUGateway/bestEffort(_:_:node:)``), the retirement of a
/// transport on it (``MigrationDriver``). Production starts a plain
/// unstructured `Task`; the dependency is explicit so a test cluster can
/// count such work and wait for it in its settle barrier, the way it counts
/// bus messages in flight.
public struct DetachedWork: Sendable {
    private let spawn: @Sendable (@escaping @Sendable () async -> Void) -> Void

    /// `spawn` must start `work` and return at once.
    public init(spawn: @escaping @Sendable (@escaping @Sendable () async -> Void) -> Void) {
        self.spawn = spawn
    }

    /// Each piece of work in its own unstructured `Task`.
    public static let unstructured = DetachedWork { work in
        Task { await work() }
    }

    /// Starts `work` without waiting for it.
    public func start(_ work: @escaping @Sendable () async -> Void) {
        self.spawn(work)
    }
}
