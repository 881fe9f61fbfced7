import Foundation
import Logging
import MeetCore
import MeetProtocol
import MeetRTC
import MeetRedis
import NIOCore
import ServiceLifecycle

/// Keeps this node's ``SFUNodeRecord`` in Redis: rewritten every heartbeat
/// with a TTL a few heartbeats long (a node that dies simply expires), its id
/// added to the ``SFURegistryKeys/nodes`` set each time too (so after a Redis
/// restart that lost its data the node is back within one heartbeat; it
/// also beats at once on every reconnect of its Redis client), and both
/// removed on clean shutdown. A failed heartbeat (Redis away) is logged
/// and the next one simply tries again.
///
/// ``refresh()`` rewrites the record now instead of at the next tick (the
/// drain's `draining` state must not wait). Heartbeats run one at a time on
/// this service's task, so an older snapshot can never overwrite a newer one.
final class NodeRegistry: Service, Sendable {
    let configuration: SFUNodeConfiguration
    let redis: RedisClient
    let transports: any NodeTransports
    let logger: Logger
    let metrics = SFUNodeMetrics()
    private let beats: AsyncStream<Void>
    private let beat: AsyncStream<Void>.Continuation

    init(configuration: SFUNodeConfiguration, redis: RedisClient, transports: any NodeTransports, logger: Logger) {
        self.configuration = configuration
        self.redis = redis
        self.transports = transports
        self.logger = logger
        (beats, beat) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a heartbeat now (coalesced with one already asked for).
    func refresh() {
        beat.yield()
    }

    func run() async throws {
        var heartbeat = Heartbeat(workers: await WorkerCPU.discover(loops: transports.eventLoops))
        await self.heartbeat(&heartbeat)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [beat, configuration] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: configuration.heartbeatInterval)
                    beat.yield()
                }
            }
            // Re-announce the moment Redis answers again (issue #23, finding 3):
            // a Redis restarted empty has no record of this node, and
            // placement must not wait for the next tick to find it.
            group.addTask { [beat, redis] in
                for await _ in redis.connectionEvents() { beat.yield() }
            }
            for await _ in beats.cancelOnGracefulShutdown() {
                await self.heartbeat(&heartbeat)
            }
            group.cancelAll()
        }
        await transports.startDraining()
        await self.heartbeat(&heartbeat)
        do {
            try await redis.delete([SFURegistryKeys.node(configuration.nodeId)])
            _ = try await redis.srem(SFURegistryKeys.nodes, [configuration.nodeId])
            logger.info("removed from the node registry")
        } catch {
            logger.warning("could not remove the registry record", metadata: ["error": "\(error)"])
        }
    }

    /// The heartbeat's state between beats: rates need the previous reading.
    private struct Heartbeat {
        var sampler = LoadSampler()
        let start = ContinuousClock.now
        var failing = false
        /// The traffic counters' last totals and the forwarding threads' CPU (`/metrics`).
        var traffic = TrafficStep.Tracker()
        let workers: WorkerCPU
        /// Which beats read the worker threads' `/proc` stat.
        var workerSampling = WorkerCPUSampling()
    }

    private func heartbeat(_ state: inout Heartbeat) async {
        do {
            let snapshot = try await transports.snapshot()
            let reading = LoadSampler.Reading(
                snapshot: snapshot, cpuSeconds: LoadSampler.processCPUSeconds(), time: state.start.duration(to: .now).timeInterval)
            let record = SFUNodeRecord(
                id: configuration.nodeId, publicIP: configuration.publicIP, udpPort: transports.localAddress.port ?? 0,
                region: configuration.region, state: snapshot.draining ? .draining : .serving,
                load: state.sampler.load(for: reading), updatedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
            metrics.record(record.load, state: record.state, cores: transports.eventLoops.count)
            metrics.traffic.increment(by: state.traffic.step(to: snapshot))
            if state.workerSampling.beat() { state.workers.record() }
            var set = RedisCommand("SET", SFURegistryKeys.node(configuration.nodeId))
            set.append(bytes: Array(try JSONEncoder().encode(record)))
            set.append("PX")
            set.append(Int(configuration.recordTTL / .milliseconds(1)))
            // One round trip, bounded by the TTL: a later beat replaces a stuck one anyway.
            let replies = try await redis.pipeline(
                [set, RedisCommand("SADD", SFURegistryKeys.nodes, configuration.nodeId)], timeout: configuration.recordTTL)
            if let failure = replies.first(where: { if case .error = $0 { true } else { false } }) {
                throw RedisClientError.server("\(failure)")
            }
            if state.failing {
                state.failing = false
                logger.info("registry heartbeat recovered", metadata: ["state": "\(record.state.rawValue)"])
            }
        } catch {
            // Once per outage at warning level; the beats go on every interval.
            logger.log(
                level: state.failing ? .debug : .warning, "registry heartbeat failed; retrying",
                metadata: ["error": "\(error)"])
            state.failing = true
        }
    }
}
