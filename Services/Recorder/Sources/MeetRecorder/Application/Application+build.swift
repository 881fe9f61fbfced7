public import Hummingbird
public import Logging
import MeetCore
import ServiceLifecycle

/// Wires meet-recorder: the directory store, the sessions, and an HTTP
/// server for `/healthz`, `/readyz` (the store is writable) and `/metrics`.
/// SIGTERM is Hummingbird's graceful shutdown; the sessions service then
/// finishes every file before the process exits (handing jobs over to
/// another recorder on drain comes with failover).
///
/// Jobs from the bus and the hidden-subscriber media join are not wired yet
/// (docs/dev/recording.md, "Status").
public func buildApplication(configuration: RecorderConfiguration, logger: Logger? = nil) -> some ApplicationProtocol {
    var logger = logger ?? LoggingBootstrap.logger(service: "recorder", configuration: configuration.logging)
    logger[metadataKey: "recorder"] = "\(configuration.recorderId)"
    let storage = DirectoryStorage(root: configuration.directory)
    let sessions = RecordingSessions(logger: logger)
    // SIGTERM: every file gets its trailer and final name before the process exits.
    let drain = MeetCore.ClosureService { [logger] in
        try? await gracefulShutdown()
        let files = await sessions.finishAll(now: RecordingSessions.now())
        logger.info("meet-recorder stopped", metadata: ["filesFinished": "\(files.count)"])
    }

    let router = Router()
    router.add(middleware: HTTPMetricsMiddleware())
    HealthRoutes(checks: [.up("storage") { storage.isWritable() }]).addRoutes(to: router)
    logger.info(
        "meet-recorder starting",
        metadata: [
            "http": "\(configuration.http.host):\(configuration.http.port)", "directory": "\(configuration.directory)",
            "reorderPackets": "\(configuration.tuning.reorderPackets)",
        ])
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "meet-recorder"),
        services: [drain],
        logger: logger)
}
