import Foundation
import Hummingbird
public import Logging
import MeetBus
import MeetCore
import MeetProtocol
import MeetRTC
import MeetRedis
import NIOPosix
import ServiceLifecycle

/// Wires meet-sfu: Redis (commands and pub/sub), the bus endpoint on the
/// node's inbox `sfu:{nodeId}` answering control requests, the media socket
/// with its transports, the registry heartbeat, and an HTTP server for
/// `/healthz`, `/readyz`, `/metrics`.
///
/// Services start in dependency order and stop in reverse. SIGTERM first
/// drains (see ``DrainCoordinator``); when the drain ends the graceful
/// shutdown stops the HTTP server, the registry removes the record, the
/// remaining transports close (their events published), then the bus and Redis.
public func buildApplication(configuration: SFUNodeConfiguration, logger: Logger? = nil) async throws -> SFUNodeApplication {
    var configuration = configuration
    var logger = logger ?? LoggingBootstrap.logger(service: "sfu", configuration: configuration.logging)
    logger[metadataKey: "node"] = "\(configuration.nodeId)"
    if let server = configuration.publicIPDiscovery {
        // Before anything announces the address: a node must not register
        // one that clients cannot reach, so a failure here stops start-up.
        do {
            configuration.publicIP = try await PublicAddressDiscovery(server: server, bindHost: configuration.udpHost)
                .discover(logger: logger)
        } catch {
            logger.error("cannot learn the public address (MEET_SFU_PUBLIC_IP_STUN)", metadata: ["error": "\(error)"])
            throw error
        }
    }
    var redisConfiguration = try RedisConfiguration(url: configuration.redisURL)
    redisConfiguration.pubSubPing(timeout: configuration.redisPubSubPing)
    let redis = RedisClient(configuration: redisConfiguration, logger: logger)
    let subscriber = RedisSubscriber(configuration: redisConfiguration, logger: logger)
    let endpoint = BusEndpoint.redis(
        inbox: BusChannel.sfuInbox(nodeId: configuration.nodeId), client: redis, subscriber: subscriber, logger: logger)

    // The media loops are the node's own (not shared with HTTP and Redis):
    // one per worker, each with a socket on the one UDP port.
    let mediaLoops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.workers)
    let sockets = try await RTCSocketGroup.bind(
        host: configuration.udpHost, port: configuration.udpPort, loops: mediaLoops.makeIterator().map { $0 }, logger: logger)
    let rtc = try RTCConfiguration.generate(publicIP: configuration.publicIP)
    let events = TransportEventPublisher(bus: endpoint, logger: logger)
    // Lossy by design: a lost report is repaired by the next (a speaking room is
    // re-sent every 2 s) or by ServerWS expiring it.
    let levels = NodeEventPublisher<SFUAudioLevelsEvent>(
        bus: endpoint, type: SFUAudioLevelsEvent.type, bufferLimit: 256, logger: logger)
    // Lossy too: every section's state is re-sent every 10 s (SFUPublisherLayersEvent).
    let layers = NodeEventPublisher<SFUPublisherLayersEvent>(
        bus: endpoint, type: SFUPublisherLayersEvent.type, bufferLimit: 1024, logger: logger)
    let transports = TransportWorkers(
        workers: sockets.sockets.map { socket in
            TransportManager(
                socket: socket, configuration: rtc, logger: logger, nodeId: configuration.nodeId,
                migrationTimeout: configuration.migrationTimeout, transportWideFeedback: configuration.transportWideFeedback,
                receiverEstimate: configuration.receiverEstimate, events: events.sink,
                audioLevelInterval: configuration.audioLevelInterval, audioLevels: levels.sink,
                dynacastPauseDelay: configuration.dynacastPauseDelay, publisherLayers: layers.sink)
        },
        sockets: sockets)
    let control = ControlHandler(transports: transports, logger: logger)
    endpoint.setRequestHandler { message in try await control.handle(message) }
    // Stops before the bus (services stop in reverse order), so the
    // transport-closed events of the shutdown still get published.
    let media = MeetCore.ClosureService {
        async let published: Void = events.run()
        async let levelsPublished: Void = levels.run()
        async let layersPublished: Void = layers.run()
        try? await gracefulShutdown()
        await transports.closeAll()
        events.finish()
        levels.finish()
        layers.finish()
        await published
        await levelsPublished
        await layersPublished
        try? await sockets.close()
        try? await mediaLoops.shutdownGracefully()
    }
    let registry = NodeRegistry(configuration: configuration, redis: redis, transports: transports, logger: logger)
    let drain = DrainCoordinator(
        timeout: configuration.drainTimeout, nodeId: configuration.nodeId, transports: transports, logger: logger,
        refreshRecord: { registry.refresh() },
        announce: { [logger] event in
            do {
                try await endpoint.publish(SFUNodeDrainingEvent.type, event, to: SFUEventChannel.events)
            } catch {
                logger.warning("could not publish node-draining", metadata: ["error": "\(error)"])
            }
        })

    var services: [any Service] = [redis, subscriber, endpoint, media, registry]
    if let kubernetes = configuration.kubernetes {
        services.append(DeletionCostReporter(
            client: KubernetesPodClient(settings: kubernetes, group: MultiThreadedEventLoopGroup.singleton),
            minimumInterval: kubernetes.minimumInterval, tick: configuration.heartbeatInterval, logger: logger,
            read: { (await transports.transportCount, await transports.isDraining) }))
    }

    let router = Router()
    router.add(middleware: HTTPMetricsMiddleware())
    HealthRoutes(checks: [
        .up("redis") { (try? await redis.send("PING", timeout: .seconds(2))) != nil },
        ReadinessCheck(name: "node") { await transports.isDraining ? "draining" : "ok" },
    ]).addRoutes(to: router)

    logger.info(
        "meet-sfu starting",
        metadata: [
            "http": "\(configuration.http.host):\(configuration.http.port)", "udp": "\(sockets.localAddress)", "workers": "\(sockets.sockets.count)",
            "publicIP": "\(configuration.publicIP)", "region": "\(configuration.region)",
            "transportCC": "\(configuration.transportWideFeedback)", "remb": "\(configuration.receiverEstimate)",
            "audioLevels": "\(configuration.audioLevelInterval)",
            "deletionCost": "\(configuration.kubernetes.map { "\($0.namespace)/\($0.podName)" } ?? "off")",
            "dynacastPause": "\(configuration.dynacastPauseDelay.map { "\($0)" } ?? "off")",
        ])
    let application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "meet-sfu"),
        services: services,
        logger: logger
    )
    return SFUNodeApplication(application: application, drain: drain, logger: logger)
}
