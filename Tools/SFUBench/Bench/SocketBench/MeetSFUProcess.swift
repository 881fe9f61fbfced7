#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MeetProtocol
import MeetBus
import MeetRedis

/// `meet-sfu` as a separate process, driven through its own control plane
/// (the Redis bus contract in MeetProtocol: `sfu.create-publisher`,
/// `sfu.create-subscriber`, `sfu.subscriber-answer`), measured from outside
/// by its process CPU time (`ProcessProbe`; allocations cannot be counted
/// across processes). This is the node's whole real path, and the template
/// for a peer SFU such as Janus: another process, its own signaling.
final class MeetSFUProcess: SFUUnderTest, @unchecked Sendable {
    let name = "meet-sfu process (bus control, process CPU)"
    private let process = Process()
    private let nodeId = "bench-\(UInt32.random(in: 0...UInt32.max))"
    private let bus: BusEndpoint
    private var tasks: [Task<Void, Never>] = []
    private var subscriberCount = 0
    private let probe: ProcessProbe
    private var inbox: String { BusChannel.sfuInbox(nodeId: nodeId) }

    /// Starts `binary` (pinned with `taskset -c cpus` when given) on loopback (UDP port chosen by the kernel) against
    /// the Redis at `redisURL`, and waits until it answers on the bus.
    init(binary: String, redisURL: String, cpus: String?) async throws {
        let logger = quietLogger("bench.bus")
        let configuration = try RedisConfiguration(url: redisURL)
        let client = RedisClient(configuration: configuration, logger: logger)
        let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        bus = BusEndpoint.redis(inbox: "bench:\(nodeId)", client: client, subscriber: subscriber, logger: logger)
        for service in [client.run, subscriber.run, bus.run] as [@Sendable () async throws -> Void] {
            tasks.append(Task { try? await service() })
        }

        launch(process, binary: binary, arguments: [], cpus: cpus)
        var environment = ProcessInfo.processInfo.environment
        environment["MEET_ENV"] = "development"
        environment["MEET_NODE_ID"] = nodeId
        environment["MEET_REDIS_URL"] = redisURL
        environment["MEET_SFU_UDP_HOST"] = "127.0.0.1"
        environment["MEET_SFU_UDP_PORT"] = "0"
        environment["MEET_SFU_PUBLIC_IP"] = "127.0.0.1"
        environment["MEET_HTTP_PORT"] = "0"
        environment["MEET_LOG_LEVEL"] = environment["MEET_LOG_LEVEL"] ?? "warning"
        process.environment = environment
        try process.run()
        probe = ProcessProbe(pid: process.processIdentifier)

        // The node subscribes to its inbox shortly after start.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                _ = try await bus.request(
                    SFUControlType.closeParticipant, CloseParticipantRequest(participantId: "nobody"), to: inbox,
                    timeout: .seconds(2), as: SFUCloseReply.self)
                break
            } catch {
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw BenchError("meet-sfu did not answer on \(inbox) within 30 s: \(error)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func publish(offer: String) async throws -> String {
        let reply = try await bus.request(
            SFUControlType.createPublisher, CreatePublisherRequest(participantId: "bench-publisher", roomId: "bench", offer: offer),
            to: inbox, timeout: .seconds(10), as: CreatePublisherReply.self)
        return reply.answer
    }

    func subscribe() async throws -> (id: String, offer: String) {
        subscriberCount += 1
        let reply = try await bus.request(
            SFUControlType.createSubscriber,
            CreateSubscriberRequest(participantId: "bench-subscriber-\(subscriberCount)", publisherParticipantId: "bench-publisher"),
            to: inbox, timeout: .seconds(10), as: CreateSubscriberReply.self)
        return (reply.transportId, reply.offer)
    }

    func acceptSubscriberAnswer(id: String, answer: String) async throws {
        _ = try await bus.request(
            SFUControlType.subscriberAnswer, SubscriberAnswerRequest(transportId: id, answer: answer),
            to: inbox, timeout: .seconds(10), as: SFUCloseReply.self)
    }

    func sample() async throws -> NodeSample {
        try probe.sample()
    }

    func shutdown() async throws {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        for task in tasks { task.cancel() }
    }
}
