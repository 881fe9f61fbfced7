import Hummingbird
import Logging
import MeetCore
import ServiceLifecycle

/// Wires meet-api: PostgreSQL (a lifecycle service, migrated before the
/// server accepts connections), the token service, the rate limiter, the
/// router with its middleware, and the HTTP server.
///
/// - Parameters:
///   - configuration: see ``APIConfiguration``.
///   - logger: the service logger; one is made from the configuration if absent.
///   - rateLimiter: defaults to an ``InMemoryRateLimiter`` (per process) until
///     a shared one is plugged in.
public func buildApplication(
    configuration: APIConfiguration,
    logger: Logger? = nil,
    rateLimiter: (any RateLimiter)? = nil
) async throws -> some ApplicationProtocol {
    let logger = logger ?? LoggingBootstrap.logger(service: "api", configuration: configuration.core.logging)
    if configuration.core.jwt.usesDevelopmentSecret {
        logger.warning("MEET_JWT_SECRET is not set; using the insecure development secret (MEET_ENV=development)")
    }
    let database = Database(configuration: configuration.core.database, logger: logger)
    let deps = await APIDependencies(
        configuration: configuration,
        database: database,
        rateLimiter: rateLimiter ?? InMemoryRateLimiter()
    )
    let router = buildRouter(deps)
    var app = Application(
        router: router,
        configuration: .init(
            address: .hostname(configuration.http.host, port: configuration.http.port),
            serverName: "meet-api"
        ),
        services: [database],
        logger: logger
    )
    if configuration.migrateOnStart {
        app.beforeServerStarts {
            let applied = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            logger.info("database schema up to date", metadata: ["applied": "\(applied)"])
        }
    }
    return app
}

/// Applies the migrations and returns (for `meet-api --migrate-only`, e.g. a
/// Kubernetes Job that runs before a rollout).
public func migrateDatabase(configuration: APIConfiguration, logger: Logger) async throws {
    let database = Database(configuration: configuration.core.database, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.client.run() }
        defer { group.cancelAll() }
        let applied = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
        logger.info("database schema up to date", metadata: ["applied": "\(applied)"])
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

    HealthController(deps: deps, exporter: PrometheusExporter(registry: MetricsBootstrap.bootstrap()))
        .addRoutes(to: router)
    let v1 = router.group("v1")
    AuthController(deps: deps).addRoutes(to: v1.group("auth"))
    UserController(deps: deps).addRoutes(to: v1.group("users"))
    let meetings = v1.group("meetings")
    MeetingController(deps: deps).addRoutes(to: meetings)
    MemberController(deps: deps).addRoutes(to: meetings)
    JoinController(deps: deps).addRoutes(to: meetings)
    ParticipantController(deps: deps).addRoutes(to: meetings)
    return router
}
