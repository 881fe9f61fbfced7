import Foundation
import Logging
import MeetBus
import MeetProtocol
import MeetRedis

/// A ``FakeNode`` on the real Redis: it answers on its inbox `sfu:{id}`,
/// publishes its events on `sfu:events`, and keeps a fresh registry record
/// (`sfu:nodes`, `sfu:node:{id}`) as a real node's heartbeat does, so meet-ws
/// processes find and call it exactly as they would a meet-sfu.
final class RedisFakeNode: Sendable {
    let node: FakeNode
    let port: Int
    private let client: RedisClient
    private let subscriber: RedisSubscriber
    private let endpoint: BusEndpoint
    private let tasks: [Task<Void, Never>]

    static func start(port: Int) async throws -> RedisFakeNode {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"] else {
            throw ClusterError("MEET_TEST_REDIS_URL must be set (run scripts/test)")
        }
        let node = try RedisFakeNode(url: url, id: "it-node-\(UUID().uuidString.prefix(8).lowercased())", port: port)
        try await node.endpoint.waitUntilReady()
        try await node.register()
        return node
    }

    private init(url: String, id: String, port: Int) throws {
        var logger = Logger(label: "test.fake-node.\(id)")
        logger.logLevel = .warning
        let configuration = try RedisConfiguration(url: url)
        let client = RedisClient(configuration: configuration, logger: logger)
        let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        let endpoint = BusEndpoint.redis(inbox: BusChannel.sfuInbox(nodeId: id), client: client, subscriber: subscriber, logger: logger)
        self.client = client
        self.subscriber = subscriber
        self.endpoint = endpoint
        self.port = port
        self.node = FakeNode(id: id, bus: endpoint)
        let node = self.node
        self.tasks = [
            Task { try? await client.run() },
            Task { try? await subscriber.run() },
            Task { try? await endpoint.run() },
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    let record = node.record(
                        port: port, state: node.isDraining ? .draining : .serving, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
                    _ = try? await client.set(
                        SFURegistryKeys.node(node.id), to: Array(JSONEncoder().encode(record)), expiration: .seconds(5))
                }
            },
        ]
    }

    var id: String { self.node.id }

    private func register() async throws {
        let record = self.node.record(port: self.port, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        _ = try await self.client.set(SFURegistryKeys.node(self.id), to: Array(JSONEncoder().encode(record)), expiration: .seconds(5))
        _ = try await self.client.sadd(SFURegistryKeys.nodes, [self.id])
    }

    func stop() async {
        for task in self.tasks.suffix(1) { task.cancel() }
        _ = try? await self.client.delete([SFURegistryKeys.node(self.id)])
        _ = try? await self.client.srem(SFURegistryKeys.nodes, [self.id])
        self.endpoint.shutdown()
        self.subscriber.shutdown()
        self.client.shutdown()
        for task in self.tasks { task.cancel() }
    }
}
