public import Hummingbird
public import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetRedis
import MeetRTC
import MeetStorage
import ServiceLifecycle

/// Wires meet-recorder: the directory store, the sessions, and an HTTP
/// server for `/healthz`, `/readyz` (the store is writable) and `/metrics`.
/// SIGTERM is Hummingbird's graceful shutdown; the sessions service then
/// finishes every file before the process exits, and the jobs it held are
/// released for another recorder to take over in a new segment (failover).
///
/// With `MEET_REDIS_URL` set, jobs come from `recorder:jobs`
/// (``RecorderJobService``); a claimed job joins the meeting as a hidden
/// subscriber and records it (``MediaJobHandler``, docs/dev/recording.md).
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

    // Redis, the database and the drain before the jobs service, so that on
    // shutdown it stops first (leaving the meetings, finishing the files,
    // writing their rows and the ends, releasing claims); the drain then
    // finishes whatever is left.
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
        services.append(drain)
        var uploader: RecordingUploader?
        var downloads: CompositeDownloads?
        if let s3 = configuration.s3 {
            let client = try S3Client(configuration: s3)
            downloads = CompositeDownloads(objects: client, logger: logger)
            let moving = RecordingUploader(objects: client, metadata: metadata, logger: logger)
            uploader = moving
            services.append(UploaderService(uploader: moving, metadata: metadata, root: configuration.directory, logger: logger))
            logger.info("finished files go to S3", metadata: ["endpoint": "\(s3.endpoint)", "bucket": "\(s3.bucket)"])
        }
        let handler = MediaJobHandler(
            recorderId: configuration.recorderId, metadata: metadata, sessions: sessions, storage: storage, tuning: configuration.tuning,
            metrics: RecorderMetrics(),
            settings: MeetingRecorder.Settings(
                wsURLs: configuration.wsURLs, bindHost: configuration.mediaHost,
                rtc: try RTCConfiguration.generate(publicIP: configuration.mediaHost == "0.0.0.0" ? "127.0.0.1" : configuration.mediaHost)),
            finisher: RecordingFinisher(
                metadata: metadata, maker: configuration.composite ? CompositeMaker(ffmpeg: configuration.ffmpeg, logger: logger) : nil,
                uploader: uploader, root: configuration.directory, logger: logger, downloads: downloads),
            logger: logger)
        let jobs = RecorderJobService(
            lease: RecordingJobLease(
                recorderId: configuration.recorderId, lease: configuration.jobLease, redis: redis,
                keyPrefix: RecorderChannels(prefix: configuration.keyPrefix).prefix),
            subscriber: subscriber, channels: RecorderChannels(prefix: configuration.keyPrefix),
            capacity: configuration.maxJobs,
            handler: handler, logger: logger)
        services.append(jobs)
    } else {
        logger.warning("MEET_REDIS_URL is not set: this recorder takes no jobs")
        services.append(drain)
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
        services: services,
        logger: logger)
}
