public import Hummingbird
public import Logging
public import MeetCore
import MeetDatabase
import MeetRedis
import MeetStorage
import PostgresNIO
import ServiceLifecycle

/// Wires meet-api: Redis when `MEET_REDIS_URL` is set (for the shared rate
/// limits), PostgreSQL (migrated before the server accepts connections), the
/// token service, the router with its middleware, and the HTTP server.
/// Services start in that order and stop in reverse.
///
/// - Parameters:
///   - configuration: see ``APIConfiguration``.
///   - logger: the service logger; one is made from the configuration if absent.
///   - rateLimiter: overrides the choice made from the configuration: a
///     ``RedisBackedRateLimiter`` when ``APIConfiguration/rateLimitRedisURL``
///     is set, an ``InMemoryRateLimiter`` (per process) otherwise.
public func buildApplication(
    configuration: APIConfiguration,
    logger: Logger? = nil,
    rateLimiter: (any RateLimiter)? = nil
) async throws -> some ApplicationProtocol {
    try await buildApplication(configuration: configuration, logger: logger, rateLimiter: rateLimiter, storage: nil)
}

/// ``buildApplication(configuration:logger:rateLimiter:)`` with the storage
/// injected: `nil` is PostgreSQL from the configuration (migrated first when
/// ``APIConfiguration/migrateOnStart`` is set); unit tests pass ``APIStorage/memory(_:)``.
func buildApplication(
    configuration: APIConfiguration,
    logger: Logger? = nil,
    rateLimiter: (any RateLimiter)? = nil,
    storage: APIStorage?
) async throws -> some ApplicationProtocol {
    let logger = logger ?? LoggingBootstrap.logger(service: "api", configuration: configuration.core.logging)
    if configuration.core.jwt.usesDevelopmentSecret {
        logger.warning("MEET_JWT_SECRET is not set; using the insecure development secret (MEET_ENV=development)")
    }
    let storage = storage ?? .postgres(
        Database(configuration: configuration.core.database, logger: logger), migrate: configuration.migrateOnStart)
    let (limiter, redis) = try makeRateLimiter(configuration: configuration, override: rateLimiter, logger: logger)
    let notifier: any RoomNotifier =
        redis.map { RedisRoomNotifier(client: $0, keyPrefix: configuration.roomKeyPrefix) as any RoomNotifier }
        ?? SilentRoomNotifier()
    let recordingEvents: any RecordingEvents =
        redis.map {
            RedisRecordingEvents(
                client: $0, announcements: RecordingAnnouncements(keyPrefix: configuration.roomKeyPrefix), logger: logger)
        } ?? SilentRecordingEvents()
    let push: any NotificationPush =
        redis.map { RedisNotificationPush(client: $0, keyPrefix: configuration.roomKeyPrefix) as any NotificationPush }
        ?? SilentNotificationPush()
    let deps = await APIDependencies(
        configuration: configuration, storage: storage, rateLimiter: limiter, roomNotifier: notifier,
        recordingEvents: recordingEvents, notificationPush: push, logger: logger)
    let router = buildRouter(deps)
    // Runs the job table (email, reminders) on every replica (docs/operations.md, "Jobs and email").
    var worker = JobWorker.api(configuration: configuration, deps: deps, logger: logger)
    let migrated = StartGate(open: storage.prepare == nil)
    worker.startGate = migrated
    WebClientController.logLocation(configuration.webDirectory, logger: logger)
    let timeouts = configuration.connectionTimeouts
    let connections = ConnectionCounts(limit: configuration.maxConnectionsPerAddress)
    var app = Application(
        router: router,
        // Slow clients are closed by RequestTimeoutHandler (header, body and
        // idle deadlines); Hummingbird's own idle timeout would restart at
        // every body chunk, so it stays off.
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionLimitHandler(counts: connections), RequestTimeoutHandler(timeouts: timeouts),
                ]
            )
        ),
        configuration: .init(
            address: .hostname(configuration.http.host, port: configuration.http.port),
            serverName: "meet-api"
        ),
        services: (redis.map { [$0] } ?? []) + storage.services + [worker],
        logger: logger
    )
    if let prepare = storage.prepare {
        app.beforeServerStarts {
            try await prepare(logger)
            migrated.open()
        }
    }
    return app
}

/// The rate limiter meet-api uses, and the Redis client to run as a service
/// when it is the shared one. Logs which one it is.
private func makeRateLimiter(
    configuration: APIConfiguration,
    override: (any RateLimiter)?,
    logger: Logger
) throws -> (any RateLimiter, RedisClient?) {
    if let override { return (override, nil) }
    guard let url = configuration.rateLimitRedisURL else {
        logger.info("auth rate limits are per process (MEET_REDIS_URL is not set)")
        return (InMemoryRateLimiter(), nil)
    }
    var redisConfiguration: RedisConfiguration
    do {
        redisConfiguration = try RedisConfiguration(url: url)
    } catch {
        // The error may quote the URL, which may hold a password: say only what is wrong.
        let reason = switch error {
        case .unsupportedScheme: "only redis:// is supported"
        case .missingHost: "it names no host"
        case .invalidPort(let port): "invalid port '\(port)'"
        case .invalidDatabase(let database): "invalid database '\(database)'"
        case .invalidEncoding: "bad percent-encoding in the credentials"
        }
        throw ConfigurationError(variable: "MEET_REDIS_URL", message: "is not usable: \(reason)")
    }
    // This client serves only the rate limiter, which fails open: a short
    // timeout keeps a Redis outage from stalling every login first.
    redisConfiguration.requestTimeout = .milliseconds(500)
    let redis = RedisClient(configuration: redisConfiguration, logger: logger)
    logger.info(
        "auth rate limits are shared through Redis",
        metadata: ["redis.host": "\(redisConfiguration.host)", "redis.port": "\(redisConfiguration.port)"])
    return (RedisBackedRateLimiter(client: redis, logger: logger), redis)
}

/// Applies the migrations and returns (for `meet-api --migrate-only`, e.g. a
/// Kubernetes Job that runs before a rollout).
public func migrateDatabase(configuration: APIConfiguration, logger: Logger) async throws {
    let database = Database(configuration: configuration.core.database, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.client.run() }
        defer { group.cancelAll() }
        try await migrateSchema(database, logger: logger)
    }
}

/// Every route of meet-api. `docs/openapi.yaml` must list exactly these
/// (a test compares both ways).
func buildRouter(_ deps: APIDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    // Outermost first: metrics see the final status, errors become JSON inside.
    router.add(middleware: HTTPMetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: CanonicalPathMiddleware())
    router.add(middleware: ClientAddressMiddleware(trustProxy: deps.configuration.http.trustProxy))

    HealthController(deps: deps, exporter: PrometheusExporter(registry: MetricsBootstrap.bootstrap()))
        .addRoutes(to: router)
    let v1 = router.group("v1")
    AuthController(deps: deps).addRoutes(to: v1.group("auth"))
    // The routes that read a bearer token: who it stands for goes in the context.
    UserController(deps: deps).addRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    let meetings = v1.group("meetings").add(middleware: deps.authenticator)
    // `upcoming` and `search` are constant segments: the router prefers them to `{code}`.
    UpcomingController(deps: deps).addRoutes(to: meetings)
    SearchController(deps: deps).addMeetingRoutes(to: meetings)
    SearchController(deps: deps).addUserRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    AccountController(deps: deps).addRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    MeetingController(deps: deps).addRoutes(to: meetings)
    MemberController(deps: deps).addRoutes(to: meetings)
    JoinController(deps: deps).addRoutes(to: meetings)
    ParticipantController(deps: deps).addRoutes(to: meetings)
    BanController(deps: deps).addRoutes(to: meetings)
    RecordingController(deps: deps).addRoutes(to: meetings)
    RecordingPlaybackController(deps: deps).addRoutes(to: v1.group("recordings").add(middleware: deps.authenticator))
    ScheduleController(deps: deps).addRoutes(to: meetings)
    ReportController(deps: deps).addMeetingRoutes(to: meetings)
    WhiteboardController(deps: deps).addRoutes(to: meetings)
    AttachmentController(deps: deps).addRoutes(to: meetings)
    ReportController(deps: deps).addAccountRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    InvitationController(deps: deps).addMeetingRoutes(to: meetings)
    InvitationController(deps: deps).addInviteeRoutes(to: v1.group("invitations").add(middleware: deps.authenticator))
    NotificationController(deps: deps).addRoutes(to: v1.group("notifications").add(middleware: deps.authenticator))
    SettingsController(deps: deps).addRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    CalendarFeedController(deps: deps).addAccountRoutes(to: v1.group("users").add(middleware: deps.authenticator))
    // The feed itself: no bearer token, the secret in the path is the credential.
    CalendarFeedController(deps: deps).addFeedRoutes(to: v1.group("calendar-feeds"))
    WebClientController(
        directory: deps.configuration.webDirectory,
        mediaOrigins: deps.configuration.recordings.s3PublicEndpoint.map { [$0.origin] } ?? []
    ).addRoutes(to: router)
    // Last: wraps only the not-found responder (middleware applies to the
    // routes added after it), turning a known path with the wrong method into 405.
    let table = RouteMethodTable(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    router.add(middleware: MethodNotAllowedMiddleware(table: table))
    return router
}
