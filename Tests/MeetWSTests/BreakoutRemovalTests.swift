import Foundation
import MeetProtocol
import NIOConcurrencyHelpers
import Testing
@testable import MeetWS

/// The server-side closing of subscriptions across breakout rooms, batched
/// and bounded (issue #21; ``BreakoutSubscriptions``): one SFU request per
/// transport, at most ``BreakoutSubscriptions/concurrency`` at once, and
/// a failed removal closing its whole connection. Fake nodes over the
/// in-memory bus, the production gateway.
@Suite struct BreakoutRemovalTests {
    static let subscriber = "sub"

    func record(_ transport: String, node: String, _ publisher: UUID, perNode: Bool = true) -> SubscriptionRecord {
        SubscriptionRecord(
            transportId: transport, nodeId: node, address: NodeAddress(ip: "127.0.0.1", port: 10000),
            publisherParticipantId: publisher, perNode: perNode)
    }

    /// A per-node connection of ``subscriber`` on `node` carrying `publishers`.
    func connect(_ node: FakeNode, _ transport: String, _ publishers: [UUID], perNode: Bool = true) {
        node.state.withLockedValue { state in
            state.transports[transport] = FakeNode.Transport(
                participantId: Self.subscriber, publisherParticipantId: perNode ? nil : publishers.first?.uuidString.lowercased(),
                tracks: publishers.map { publisher in
                    SFUTrack(
                        id: "\(publisher)-v", mid: "0", kind: "video", source: .camera, codec: "VP8",
                        participantId: publisher.uuidString.lowercased())
                }, perNode: perNode)
        }
    }

    func carried(_ node: FakeNode, _ transport: String) -> Set<String>? {
        node.state.withLockedValue { state in state.transports[transport].map { Set($0.tracks.compactMap(\.participantId)) } }
    }

    func removal(_ body: String) throws -> RemoveSubscriptionRequest {
        try JSONDecoder().decode(BusEnvelope<RemoveSubscriptionRequest>.self, from: Data(body.utf8)).body
    }

    @Test func groupsTheCutByTransportInOrder() {
        let (a, b, c) = (UUID(), UUID(), UUID())
        let cut = [
            self.record("conn", node: "n1", a), self.record("own", node: "n2", b, perNode: false),
            self.record("conn", node: "n1", c), self.record("conn", node: "n1", a),
        ]
        #expect(BreakoutRemoval.grouping(cut) == [
            BreakoutRemoval(transportId: "conn", nodeId: "n1", perNode: true, publishers: [a, c]),
            BreakoutRemoval(transportId: "own", nodeId: "n2", perNode: false, publishers: [b]),
        ])
        #expect(BreakoutRemoval.grouping([]).isEmpty)
    }

    /// The single and batched forms on the wire: an older meet-ws's body
    /// (no list) still decodes, and names one publisher.
    @Test func removalRequestForms() throws {
        let single = RemoveSubscriptionRequest(transportId: "t", publishers: ["a"], participantId: "s", reoffer: false)
        #expect(single.publisherParticipantIds == nil && single.publishers == ["a"])
        let batch = RemoveSubscriptionRequest(transportId: "t", publishers: ["a", "b"], participantId: "s", reoffer: false)
        #expect(batch.publisherParticipantId == "a" && batch.publishers == ["a", "b"])
        let old = try JSONDecoder().decode(
            RemoveSubscriptionRequest.self, from: Data(#"{"transportId":"t","publisherParticipantId":"a"}"#.utf8))
        #expect(old.publishers == ["a"] && old.reoffer == nil)
        let reply = try JSONDecoder().decode(RemoveSubscriptionReply.self, from: Data(#"{"transportId":"t","tracks":[]}"#.utf8))
        #expect(reply.removed == nil && reply.isClosed)
    }

    /// Never more than `limit` at once, and `limit` at once when there is
    /// work for them: each job waits until `limit` have started (a serial
    /// runner would never get there; an unbounded one would start all 20).
    @Test(arguments: [1, 3, 8])
    func boundedWorkRunsAtMostLimitAtOnce(limit: Int) async throws {
        struct Counters { var started = 0, running = 0, most = 0 }
        let counters = NIOLockedValueBox(Counters())
        let outputs = await BoundedWork.run(Array(0..<20), limit: limit) { job in
            counters.withLockedValue { $0.started += 1; $0.running += 1; $0.most = max($0.most, $0.running) }
            let deadline = ContinuousClock.now + .seconds(30)
            while counters.withLockedValue({ $0.started < limit }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(2))
            }
            counters.withLockedValue { $0.running -= 1 }
            return job * 2
        }
        #expect(outputs == (0..<20).map { $0 * 2 })  // in the jobs' order
        #expect(counters.withLockedValue { $0.most } == limit)
        #expect(await BoundedWork.run([Int](), limit: limit) { $0 }.isEmpty)
    }

    /// One request per transport, not one per publisher: three connections
    /// (6 of 10 publishers cut on each) and two transports of its own are 5
    /// requests; the connections keep the people still in the room.
    @Test func oneRequestPerTransport() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let (n1, n2) = (try await cluster.addNode("n1"), try await cluster.addNode("n2"))
        var cut: [SubscriptionRecord] = []
        var stays: [String: Set<String>] = [:]
        for (node, transport) in [(n1, "c1"), (n1, "c2"), (n2, "c3")] {
            let publishers = (0..<10).map { _ in UUID() }
            self.connect(node, transport, publishers)
            cut += publishers.prefix(6).map { self.record(transport, node: node.id, $0) }
            stays[transport] = Set(publishers.suffix(4).map { $0.uuidString.lowercased() })
        }
        for (node, transport) in [(n1, "o1"), (n2, "o2")] {
            let publisher = UUID()
            self.connect(node, transport, [publisher], perNode: false)
            cut.append(self.record(transport, node: node.id, publisher, perNode: false))
        }
        let removals = BreakoutRemoval.grouping(cut)
        let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
        let outcomes = await BoundedWork.run(removals, limit: BreakoutSubscriptions.concurrency) { await remover.perform($0) }

        #expect(outcomes == [.takenOff, .takenOff, .takenOff, .closed, .closed])
        let bodies = n1.requests(SFUControlType.removeSubscription) + n2.requests(SFUControlType.removeSubscription)
        #expect(bodies.count == 3)
        for body in bodies {
            let request = try self.removal(body)
            #expect(request.publishers.count == 6 && request.publisherParticipantIds?.count == 6)
            #expect(request.reoffer == false && request.participantId == Self.subscriber)
        }
        #expect(n1.requests(SFUControlType.closeTransport).count == 1 && n2.requests(SFUControlType.closeTransport).count == 1)
        #expect(n1.requestTypes.count + n2.requestTypes.count == 5)
        for (node, transport) in [(n1, "c1"), (n1, "c2"), (n2, "c3")] { #expect(self.carried(node, transport) == stays[transport]) }
        #expect(self.carried(n1, "o1") == nil && self.carried(n2, "o2") == nil)
    }

    /// Up to ``BreakoutSubscriptions/concurrency`` requests at once, never
    /// more: 12 transports on one node, which holds each request until 8
    /// have arrived.
    @Test func requestsRunConcurrentlyWithABound() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        var cut: [SubscriptionRecord] = []
        for index in 0..<12 {
            let publishers = [UUID(), UUID()]
            self.connect(node, "c\(index)", publishers)
            cut.append(self.record("c\(index)", node: "n1", publishers[0]))
        }
        let limit = BreakoutSubscriptions.concurrency
        node.state.withLockedValue { $0.holdUntilArrived = limit }
        let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
        let outcomes = await BoundedWork.run(BreakoutRemoval.grouping(cut), limit: limit) { await remover.perform($0) }
        #expect(outcomes == Array(repeating: .takenOff, count: 12))
        #expect(node.requests(SFUControlType.removeSubscription).count == 12)
        #expect(node.maxInFlight == limit)
    }

    /// This replica's bound on SFU requests in flight (`MEET_WS_SFU_MAX_IN_FLIGHT`)
    /// is waited out, not taken for a failed removal: with room for 2, eight
    /// removals at once (the node holding each until 2 have arrived) all take
    /// their publishers off, and nothing is closed.
    @Test func theInFlightBoundIsWaitedOut() async throws {
        let cluster = try await InMemoryReplicas(count: 1, sfuMaxInFlight: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        var cut: [SubscriptionRecord] = []
        for index in 0..<12 {
            let publishers = [UUID(), UUID()]
            self.connect(node, "c\(index)", publishers)
            cut.append(self.record("c\(index)", node: "n1", publishers[0]))
        }
        node.state.withLockedValue { $0.holdUntilArrived = 2 }
        let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
        let outcomes = await BoundedWork.run(BreakoutRemoval.grouping(cut), limit: BreakoutSubscriptions.concurrency) {
            await remover.perform($0)
        }
        #expect(outcomes == Array(repeating: .takenOff, count: 12))
        #expect(node.requests(SFUControlType.removeSubscription).count == 12)
        #expect(node.requests(SFUControlType.closeTransport).isEmpty)
        #expect(node.maxInFlight <= 2)
    }

    /// The safety rule: a refused removal, or one that times out, closes
    /// the whole connection (`.closed`: forgotten, the client told); a
    /// connection the node no longer knows is only forgotten. Another
    /// node's removal is not held up by it.
    @Test func aFailedRemovalClosesTheConnection() async throws {
        let cluster = try await InMemoryReplicas(count: 1, sfuTimeout: .seconds(1))
        defer { cluster.stop() }
        let (ok, refusing, hung) = (try await cluster.addNode("ok"), try await cluster.addNode("refusing"), try await cluster.addNode("hung"))
        let (a, b, c, d) = (UUID(), UUID(), UUID(), UUID())
        self.connect(ok, "k", [a, b])
        self.connect(refusing, "r", [a, b])
        self.connect(hung, "h", [a, b])
        refusing.state.withLockedValue { $0.refusedRemovals = ["r"] }
        hung.setHanging(true)
        let cut = [
            self.record("k", node: "ok", a), self.record("r", node: "refusing", a), self.record("h", node: "hung", a),
            self.record("gone", node: "ok", c), self.record("gone", node: "ok", d),
        ]
        let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
        let outcomes = await BoundedWork.run(BreakoutRemoval.grouping(cut), limit: 8) { await remover.perform($0) }
        #expect(outcomes == [.takenOff, .closed, .closed, .closed])
        #expect(self.carried(ok, "k") == [b.uuidString.lowercased()])
        // Refused: the whole connection closed on its node.
        #expect(refusing.requests(SFUControlType.closeTransport).count == 1)
        #expect(self.carried(refusing, "r") == nil)
        // Timed out: closed too (best effort: this node answers nothing).
        #expect(hung.requestTypes == [SFUControlType.removeSubscription, SFUControlType.closeTransport])
        // Unknown to its node: nothing to close.
        #expect(ok.requests(SFUControlType.closeTransport).isEmpty)
    }

    /// A node older than the batched form takes off the first publisher
    /// only and answers without `removed`: the rest follow one by one.
    @Test func anOlderNodeGetsTheRestOneByOne() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        node.state.withLockedValue { $0.legacyRemovals = true }
        let publishers = (0..<4).map { _ in UUID() }
        self.connect(node, "c", publishers)
        let cut = publishers.prefix(3).map { self.record("c", node: "n1", $0) }
        let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
        let outcome = await remover.perform(try #require(BreakoutRemoval.grouping(cut).first))
        #expect(outcome == .takenOff)
        #expect(self.carried(node, "c") == [publishers[3].uuidString.lowercased()])
        let sent = try node.requests(SFUControlType.removeSubscription).map { try self.removal($0).publishers.count }
        #expect(sent == [3, 2, 1])
    }

    /// Figures for docs/benchmarks.md (printed, not asserted): a scope
    /// change cutting 180 of 200 publishers on four per-node connections
    /// (four nodes), with each node answer taking `latency` as a bus round
    /// trip would. Before (session 12): one request per publisher, one at a
    /// time (an older node and a bound of 1 give exactly that). After: one
    /// batched request per connection, concurrently. The request counts are
    /// asserted.
    @Test func scopeChangeFigures() async throws {
        let latency = Duration.milliseconds(Int64(ProcessInfo.processInfo.environment["MEET_BENCH_LATENCY_MS"] ?? "2") ?? 2)
        for (label, legacy, limit) in [("before", true, 1), ("after", false, BreakoutSubscriptions.concurrency)] {
            let cluster = try await InMemoryReplicas(count: 1)
            defer { cluster.stop() }
            var nodes: [FakeNode] = []
            var cut: [SubscriptionRecord] = []
            for index in 0..<4 {
                let node = try await cluster.addNode("n\(index)")
                node.state.withLockedValue { $0.legacyRemovals = legacy; $0.latency = latency }
                let publishers = (0..<50).map { _ in UUID() }
                self.connect(node, "c\(index)", publishers)
                cut += publishers.prefix(45).map { self.record("c\(index)", node: node.id, $0) }
                nodes.append(node)
            }
            let remover = BreakoutRemover(sfu: cluster.replicas[0].sfu, participantId: Self.subscriber)
            let started = ContinuousClock.now
            let outcomes = await BoundedWork.run(BreakoutRemoval.grouping(cut), limit: limit) { await remover.perform($0) }
            let elapsed = ContinuousClock.now - started
            let requests = nodes.reduce(0) { $0 + $1.requests(SFUControlType.removeSubscription).count }
            print("breakout scope change, 180 of 200 publishers cut on 4 connections, node latency \(latency): \(label): \(requests) SFU requests, \(elapsed)")
            #expect(outcomes == Array(repeating: .takenOff, count: 4))
            #expect(requests == (legacy ? 180 : 4))
            for (index, node) in nodes.enumerated() { #expect(self.carried(node, "c\(index)")?.count == 5) }
        }
    }
}
