import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
import MeetAuth
import MeetBus
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetRedis
import PostgresNIO
import NIOCore
import ServiceLifecycle

/// Wires meet-ws: Redis (commands and pub/sub), PostgreSQL, the hub, the
/// presence maintenance service, and one HTTP server that serves the
/// WebSocket at `/v1/ws` (and the user socket at `/v1/ws/user`) beside `/healthz`, `/readyz` and `/metrics`.
///
/// Services start in dependency order (Redis, PostgreSQL, the bus endpoint
/// with this replica's inbox `ws:{replicaId}`, maintenance, the SFU node
/// watcher, then the server) and stop in reverse; on SIGTERM the maintenance
/// service closes every socket with 1001 so clients resume elsewhere.
public func buildApplication(configuration: WSConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    let logger = logger ?? LoggingBootstrap.logger(service: "ws", configuration: configuration.core.logging)
    if configuration.core.jwt.usesDevelopmentSecret {
        logger.warning("MEET_JWT_SECRET is not set; using the insecure development secret (MEET_ENV=development)")
    }
    var redisConfiguration = try RedisConfiguration(url: configuration.core.redisURL)
    redisConfiguration.breakerDeadline = configuration.redisBreakerDeadline
    redisConfiguration.pubSubPing(timeout: configuration.redisPubSubPing)
    let redis = RedisClient(configuration: redisConfiguration, logger: logger)
    let subscriber = RedisSubscriber(
        configuration: redisConfiguration, logger: logger, bufferLimit: configuration.limits.busBufferMessages)
    let database = Database(configuration: configuration.core.database, logger: logger)
    let keys = SignalingKeys(prefix: configuration.keyPrefix)
    let metrics = WSMetrics()
    let endpoint = BusEndpoint(
        inbox: keys.inbox(configuration.replicaId),
        transport: RedisBusTransport(client: redis, subscriber: subscriber),
        logger: logger,
        inboxBufferLimit: configuration.limits.busBufferMessages
    )
    let bus = SignalingBus(bus: endpoint, keys: keys, logger: logger)
    let sfu = SFUGateway(
        bus: endpoint, registry: RedisSFURegistry(redis: redis),
        placement: SFUPlacement(
            staleAfterMs: configuration.sfuStaleness.milliseconds, hintsEnabled: configuration.placementHints),
        timeout: configuration.sfuTimeout, metrics: metrics, logger: logger,
        maxInFlight: configuration.limits.sfuMaxInFlight)
    let tokens = await TokenService(configuration: configuration.core.jwt)
    let services = SignalingServices(
        configuration: configuration,
        hub: SignalingHub(replicaId: configuration.replicaId, bus: bus, metrics: metrics, logger: logger),
        bus: bus,
        presence: RedisPresenceStore(
            redis: redis, keys: keys, logger: logger, ttl: configuration.presenceTTL,
            stallAfter: configuration.presenceStallAfter),
        participants: PostgresParticipantStore(database: database),
        sfu: sfu,
        metrics: metrics,
        logger: logger,
        engagement: PostgresEngagementStore(database: database),
        whiteboard: PostgresWhiteboardStore(database: database),
        breakouts: PostgresBreakoutStore(database: database),
        talkTime: PostgresTalkTimeStore(database: database)
    )

    let router = Router(context: BasicWebSocketRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware())
    HealthRoutes(checks: [
        // Ready once the subscriptions are confirmed too (replies and room events arrive).
        .up("redis") {
            guard subscriber.isLive else { return false }
            return (try? await redis.send("PING", timeout: .seconds(2))) != nil
        },
        // 2 s, below the 3 s probe timeouts of k8s/ and docker-compose.yml: a hung
        // database gets a 503 answer, not a probe timeout.
        .up("database") { (try? await withDeadline(.seconds(2)) { await database.isReachable() }) ?? false },
    ]).addRoutes(to: router)
    WebSocketEndpoint(services: services, tokens: tokens).addRoutes(to: router)
    UserSocketEndpoint(
        relay: services.hub.userPushes, tokens: tokens,
        accountExists: { userId in try await !database.query("SELECT 1 FROM users WHERE id = \(userId)").isEmpty },
        limits: configuration.userSockets, logger: logger
    ).addRoutes(to: router)

    logger.info(
        "meet-ws starting",
        metadata: [
            "replica": "\(configuration.replicaId)", "port": "\(configuration.http.port)",
            "presence.ttl": "\(configuration.presenceTTL)", "resume.grace": "\(configuration.resumeGrace)",
            "resume.token.ttl": "\(configuration.resumeTokenTTL)",
            "placement.hints": "\(configuration.placementHints)", "sfu.stale": "\(configuration.sfuStaleness)",
            "node.watch": "\(configuration.nodeWatchInterval)", "active.speakers": "\(configuration.activeSpeakersInterval)", "limits": "\(configuration.limits)",
            "turn.urls": "\(configuration.turn.urls.isEmpty ? "none" : configuration.turn.urls.joined(separator: ","))",
        ])
    let limits = configuration.limits
    let webSocketResponder = router.buildResponder()
    let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
        // Plain HTTP (probes, /metrics) keep-alive connections idle for a ping period are closed.
        http1: .init(idleTimeout: TimeAmount(limits.pingInterval)),
        // Frames up to 4× the message limit reach the session, which answers an
        // over-limit message with an `error` frame before closing (1009);
        // beyond that, the WebSocket layer itself closes with 1009.
        ws: .init(maxFrameSize: max(4 * configuration.maxMessageBytes, 1 << 16), autoPing: .enabled(timePeriod: limits.pingInterval))
    )
    // Every connection starts behind a ConnectionGuardHandler: the per-address
    // limit, the handshake deadline and the write (stall) deadline.
    let limiter = AddressLimiter(limit: limits.connections.perAddress)
    let server = HTTPServerBuilder { responder in
        GuardedChildChannel(
            base: HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: channelConfiguration),
            limits: limits.connections, limiter: limiter, metrics: metrics)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(
            address: .hostname(configuration.http.host, port: configuration.http.port),
            serverName: "meet-ws"
        ),
        services: [
            redis, subscriber, database, endpoint, PresenceMaintenance(services: services, redisAnswers: { !redis.isBreakerOpen }),
            NodeWatcher(services: services), TalkTimeService(services: services), ActiveSpeakerService(services: services),
        ],
        logger: logger
    )
}
