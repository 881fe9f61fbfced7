public import Hummingbird
public import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetRedis
import ServiceLifecycle

/// Wires meet-recorder: the directory store, the sessions, and an HTTP
/// server for `/healthz`, `/readyz` (the store is writable) and `/metrics`.
/// SIGTERM is Hummingbird's graceful shutdown; the sessions service then
/// finishes every file before the process exits (handing jobs over to
/// another recorder on drain comes with failover).
///
/// With `MEET_REDIS_URL` set, jobs come from `recorder:jobs`
/// (``RecorderJobService``); what a claimed job does is only logged until the
/// hidden-subscriber media join exists (docs/dev/recording.md, "Status").
public func buildApplication(configuration: RecorderConfiguration, logger: Logger? = nil) throws -> some ApplicationProtocol {
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

    // Redis and the database before the jobs service, so that on shutdown it
    // stops first (ending its jobs, releasing claims, writing the ends).
    var services: [any Service] = []
    if let url = configuration.redisURL {
        let redisConfiguration = try RedisConfiguration(url: url)
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let subscriber = RedisSubscriber(configuration: redisConfiguration, logger: logger)
        services = [redis, subscriber]
        var metadata: (any RecordingMetadata)?
        if let databaseConfiguration = configuration.database {
            let database = Database(configuration: databaseConfiguration, logger: logger)
            services.append(database)
            metadata = PostgresRecordingMetadata(database: database)
        } else {
            logger.warning("MEET_DATABASE_URL is not set: this recorder writes no recording metadata")
        }
        let jobs = RecorderJobService(
            lease: RecordingJobLease(
                recorderId: configuration.recorderId, lease: configuration.jobLease, redis: redis,
                keyPrefix: RecorderChannels(prefix: configuration.keyPrefix).prefix),
            subscriber: subscriber, channels: RecorderChannels(prefix: configuration.keyPrefix),
            capacity: configuration.maxJobs,
            handler: MetadataJobHandler(recorderId: configuration.recorderId, metadata: metadata, logger: logger), logger: logger)
        services.append(jobs)
    } else {
        logger.warning("MEET_REDIS_URL is not set: this recorder takes no jobs")
    }
    services.append(drain)

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
        services: services,
        logger: logger)
}
