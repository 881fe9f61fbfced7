import Foundation
import Logging
import MeetProtocol
import MeetRedis
import ServiceLifecycle

/// Keeps this node's ``SFUNodeRecord`` in Redis: rewritten every heartbeat
/// with a TTL a few heartbeats long (a node that dies simply expires), its id
/// in the ``SFURegistryKeys/nodes`` set, and both removed on clean shutdown.
/// On graceful shutdown it first marks the node `draining`.
final class NodeRegistry: Service, Sendable {
    let configuration: SFUNodeConfiguration
    let redis: RedisClient
    let transports: TransportManager
    let logger: Logger
    let metrics = SFUNodeMetrics()

    init(configuration: SFUNodeConfiguration, redis: RedisClient, transports: TransportManager, logger: Logger) {
        self.configuration = configuration
        self.redis = redis
        self.transports = transports
        self.logger = logger
    }

    func run() async throws {
        var sampler = LoadSampler()
        let clock = ContinuousClock()
        let start = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await heartbeat(sampler: &sampler, since: start)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.heartbeatInterval) }
        }
        await transports.startDraining()
        await heartbeat(sampler: &sampler, since: start)
        do {
            try await redis.delete([SFURegistryKeys.node(configuration.nodeId)])
            _ = try await redis.srem(SFURegistryKeys.nodes, [configuration.nodeId])
            logger.info("removed from the node registry")
        } catch {
            logger.warning("could not remove the registry record", metadata: ["error": "\(error)"])
        }
    }

    private func heartbeat(sampler: inout LoadSampler, since start: ContinuousClock.Instant) async {
        do {
            let snapshot = try await transports.snapshot()
            let elapsed = start.duration(to: .now)
            let reading = LoadSampler.Reading(
                snapshot: snapshot, cpuSeconds: LoadSampler.processCPUSeconds(), time: elapsed.timeInterval)
            let record = SFUNodeRecord(
                id: configuration.nodeId, publicIP: configuration.publicIP, udpPort: transports.socket.localAddress.port ?? 0,
                region: configuration.region, state: snapshot.draining ? .draining : .serving,
                load: sampler.load(for: reading), updatedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
            metrics.record(record.load, state: record.state)
            try await redis.set(
                SFURegistryKeys.node(configuration.nodeId), to: Array(JSONEncoder().encode(record)),
                expiration: configuration.recordTTL)
            _ = try await redis.sadd(SFURegistryKeys.nodes, [configuration.nodeId])
        } catch {
            logger.warning("registry heartbeat failed", metadata: ["error": "\(error)"])
        }
    }
}
