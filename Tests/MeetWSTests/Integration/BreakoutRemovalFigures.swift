import Foundation
import Logging
import MeetBus
import MeetProtocol
import MeetRedis
import NIOConcurrencyHelpers
import Testing
@testable import MeetWS

extension SignalingIntegrationTests {
    /// The figures of docs/benchmarks.md ("Breakout scope change: batched
    /// removals") over the real Redis bus: a scope change cutting 180 of
    /// 200 publishers on four per-node connections (four fake nodes on
    /// their real inboxes). Before: one request per publisher, one at a
    /// time (an older node and a bound of 1 give exactly session 12's
    /// sequence). After: one batched request per connection, concurrently.
    /// Request counts are asserted; times only printed.
    @Suite struct BreakoutRemovalFigures {
        @Test func scopeChangeOverRedis() async throws {
            guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"] else {
                throw ClusterError("MEET_TEST_REDIS_URL must be set (run scripts/test)")
            }
            var logger = Logger(label: "test.breakout-figures")
            logger.logLevel = .warning
            let configuration = try RedisConfiguration(url: url)
            let client = RedisClient(configuration: configuration, logger: logger)
            let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
            let endpoint = BusEndpoint.redis(
                inbox: "test:breakout-figures:\(UUID().uuidString.prefix(8))", client: client, subscriber: subscriber, logger: logger)
            let tasks = [Task { try? await client.run() }, Task { try? await subscriber.run() }, Task { try? await endpoint.run() }]
            try await endpoint.waitUntilReady()
            let sfu = SFUGateway(
                bus: endpoint, registry: InMemorySFURegistry(), placement: SFUPlacement(staleAfterMs: 3000, hintsEnabled: false), timeout: .seconds(10),
                metrics: WSMetrics(), logger: logger)
            var nodes: [RedisFakeNode] = []
            for index in 0..<4 { nodes.append(try await RedisFakeNode.start(port: 42001 + index)) }
            let support = BreakoutRemovalTests()
            for round in 0..<3 {
                for (label, legacy, limit) in [("before", true, 1), ("after", false, BreakoutSubscriptions.concurrency)] {
                    var cut: [SubscriptionRecord] = []
                    for (index, node) in nodes.enumerated() {
                        node.node.state.withLockedValue { $0.legacyRemovals = legacy; $0.requests = [] }
                        let publishers = (0..<50).map { _ in UUID() }
                        support.connect(node.node, "c\(index)", publishers)
                        cut += publishers.prefix(45).map { support.record("c\(index)", node: node.id, $0) }
                    }
                    let remover = BreakoutRemover(sfu: sfu, participantId: BreakoutRemovalTests.subscriber)
                    let started = ContinuousClock.now
                    let outcomes = await BoundedWork.run(BreakoutRemoval.grouping(cut), limit: limit) { await remover.perform($0) }
                    let elapsed = ContinuousClock.now - started
                    let requests = nodes.reduce(0) { $0 + $1.node.requests(SFUControlType.removeSubscription).count }
                    print("breakout scope change over Redis, 180 of 200 publishers cut on 4 connections, round \(round): \(label): \(requests) SFU requests, \(elapsed)")
                    #expect(outcomes == Array(repeating: .takenOff, count: 4))
                    #expect(requests == (legacy ? 180 : 4))
                    for (index, node) in nodes.enumerated() { #expect(support.carried(node.node, "c\(index)")?.count == 5) }
                }
            }
            for node in nodes { await node.stop() }
            endpoint.shutdown()
            subscriber.shutdown()
            client.shutdown()
            for task in tasks { task.cancel() }
        }
    }
}
