import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// The meet-sfu process: the Hummingbird application (HTTP server, Redis,
/// bus, media, registry) in a `ServiceGroup` that traps no signals itself,
/// beside a ``DrainCoordinator`` that owns SIGTERM and SIGINT.
///
/// Hummingbird's usual `runService()` turns SIGTERM into an immediate
/// graceful shutdown; a node must drain first instead (issue #6), so the
/// coordinator listens with ServiceLifecycle's `UnixSignalsSequence` and
/// triggers the group's graceful shutdown when the drain ends. It keeps
/// listening until the group has finished, so a late signal is ignored
/// rather than killing the process halfway through its clean shutdown.
public struct SFUNodeApplication: Sendable {
    let application: any ApplicationProtocol
    let drain: DrainCoordinator
    let logger: Logger

    /// Runs until the drain (or a SIGINT) has shut the node down; returns
    /// normally then (exit code 0), throws if a service failed.
    public func runService() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint).map { signal -> DrainPolicy.Signal in
            signal == .sigint ? .interrupt : .terminate
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                await drain.run(signals: signals) { _ in await group.triggerGracefulShutdown() }
            }
            // The group finishes first (the coordinator runs until cancelled).
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
