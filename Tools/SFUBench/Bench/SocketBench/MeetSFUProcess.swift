#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MeetProtocol
import MeetBus
import MeetRedis
import MeetSFUNode
import NIOConcurrencyHelpers

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
    private let counter = NIOLockedValueBox(0)
    private let probe: ProcessProbe
    private var inbox: String { BusChannel.sfuInbox(nodeId: nodeId) }

    /// Starts `binary` (pinned with `taskset -c cpus` when given) on loopback (UDP port chosen by the kernel) against
    /// the Redis at `redisURL`, and waits until it answers on the bus.
    /// `workers`: `MEET_SFU_WORKERS` (nil: the node's default, its cores).
    init(binary: String, redisURL: String, cpus: String?, workers: Int? = nil) async throws {
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
        if let workers { environment["MEET_SFU_WORKERS"] = String(workers) }
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
        try await publish(offer: offer, room: 0)
    }

    func subscribe() async throws -> (id: String, offer: String) {
        try await subscribe(room: 0)
    }

    /// Room `room`'s publisher (room 0: "bench-publisher" in room "bench").
    func publish(offer: String, room: Int) async throws -> String {
        let reply = try await bus.request(
            SFUControlType.createPublisher,
            CreatePublisherRequest(participantId: Self.publisher(room), roomId: room == 0 ? "bench" : "bench-\(room)", offer: offer),
            to: inbox, timeout: .seconds(10), as: CreatePublisherReply.self)
        return reply.answer
    }

    /// A new subscriber of room `room`'s publisher. One generator task per room calls it, so the count is locked.
    func subscribe(room: Int) async throws -> (id: String, offer: String) {
        let number = counter.withLockedValue { count in
            count += 1
            return count
        }
        let reply = try await bus.request(
            SFUControlType.createSubscriber,
            CreateSubscriberRequest(participantId: "bench-subscriber-\(number)", publisherParticipantId: Self.publisher(room)),
            to: inbox, timeout: .seconds(10), as: CreateSubscriberReply.self)
        return (reply.transportId, reply.offer)
    }

    private static func publisher(_ room: Int) -> String { room == 0 ? "bench-publisher" : "bench-publisher-\(room)" }

    /// CPU seconds of each thread of the process, by thread id: the
    /// busiest threads of a run are the media loops, and their shares say
    /// how evenly the workers split the work.
    func threadCPUSeconds() -> [String: Double] {
        let pid = process.processIdentifier
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var seconds: [String: Double] = [:]
        for task in tasks { seconds[task] = ProcStat.cpuSeconds(path: "/proc/\(pid)/task/\(task)/stat") }
        return seconds
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
