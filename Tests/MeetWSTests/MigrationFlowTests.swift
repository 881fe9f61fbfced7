import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Issue #6 through real sessions and hubs of two replicas over the
/// in-memory bus: a draining or lost SFU node, `migrate`, `publish
/// {replaces}`, `sfu.retire-transport`, and subscribers following their
/// publisher (docs/signaling.md, "Migration").
@Suite struct MigrationFlowTests {
    /// `a` (replica 0) publishes on `n1`; `b` (replica 1) subscribes to it.
    /// `n2` is busier, so placement picks `n1` first.
    struct Scene {
        let cluster: InMemoryReplicas
        let n1: FakeNode
        let n2: FakeNode
        let a: FakeSocket
        let aId: UUID
        let b: FakeSocket
        let meeting: UUID
        let published: Published
        let subscription: SubscriptionOffer

        /// Both nodes heartbeat (n1 in `state`) and both replicas' watchers run one round.
        func round(n1 state: SFUNodeState? = .serving) async {
            if let state { self.cluster.heartbeat(self.n1, state: state) }
            self.cluster.heartbeat(self.n2, transports: 3)
            await self.cluster.watch(on: 0)
            await self.cluster.watch(on: 1)
        }
    }

    func scene(_ cluster: InMemoryReplicas) async throws -> Scene {
        let n1 = try await cluster.addNode("n1")
        let n2 = try await cluster.addNode("n2", transports: 3)
        let (a, aId, b, _, meeting) = try await MediaFlowTests().room(cluster)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p1")
        let published = try #require(try await a.waitFor("published").published)
        #expect(published.nodeId == "n1")
        await b.send(.subscribe(SubscribeRequest(participantId: aId)), id: "s1")
        let subscription = try #require(try await b.waitFor("subscription").subscriptionOffer)
        return Scene(
            cluster: cluster, n1: n1, n2: n2, a: a, aId: aId, b: b, meeting: meeting, published: published,
            subscription: subscription)
    }

    @Test func drainingNodeMovesThePublisherThenItsSubscribers() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let s = try await self.scene(cluster)
        let (a, b, aId) = (s.a, s.b, s.aId)

        // The node's draining event: the publisher is told where to go.
        try await s.n1.announceDraining(deadlineMs: 1)
        let migrate = try #require(try await a.waitFor("migrate").migrateInstruction)
        #expect(migrate == MigrateInstruction(reason: .nodeDraining, nodeId: "n1", transportId: s.published.transportId, targetNodeId: "n2"))
        // The watcher then sees the draining record too: nothing is repeated.
        await s.round(n1: .draining)
        await s.round(n1: .draining)

        // make-before-break: a new transport on n2; the old node retires the old one.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: s.published.transportId)), id: "p2")
        let moved = try #require(try await a.waitFor("published") { $0.id == "p2" }.published)
        #expect(moved.nodeId == "n2" && moved.transportId != s.published.transportId && moved.tracks.allSatisfy { $0.nodeId == "n2" })
        #expect(s.n2.requests(SFUControlType.createPublisher).count == 1)
        try await s.n1.waitFor(SFUControlType.retireTransport)
        #expect(s.n1.retired == [s.published.transportId])
        let record = await cluster.presence.get(PresenceKey(meetingId: s.meeting, participantId: aId))
        #expect(record?.publication?.nodeId == "n2" && record?.publication?.transportId == moved.transportId)
        #expect(await cluster.participants.sfuNodes[aId] == "n2")

        // The subscriber hears the new node, then is told to follow.
        let tracks = try await b.waitFor("tracks") { $0.tracksEvent?.nodeId == "n2" }
        #expect(tracks.tracksEvent?.tracks.map(\.id) == moved.tracks.map(\.id))
        let follow = try #require(try await b.waitFor("migrate").migrateInstruction)
        #expect(
            follow == MigrateInstruction(
                reason: .publisherMoved, nodeId: "n1", transportId: s.subscription.transportId, publisherParticipantId: aId,
                targetNodeId: "n2"))
        let order = b.frames.compactMap { frame -> String? in
            frame.tracksEvent?.nodeId == "n2" ? "tracks" : frame.migrateInstruction != nil ? "migrate" : nil
        }
        #expect(order == ["tracks", "migrate"])

        // A second subscription to the same publisher, on its new node, while the old one lives.
        await b.send(.subscribe(SubscribeRequest(participantId: aId)), id: "s2")
        let fresh = try #require(try await b.waitFor("subscription") { $0.id == "s2" }.subscriptionOffer)
        #expect(fresh.nodeId == "n2" && fresh.transportId != s.subscription.transportId)
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: fresh.transportId, answer: "v=0 ok")), id: "a2")
        try await b.waitFor("ack") { $0.id == "a2" }
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: s.subscription.transportId)), id: "u1")
        try await b.waitFor("ack") { $0.id == "u1" }
        #expect(s.n1.requests(SFUControlType.closeTransport).count == 1)

        // The retired transport ends on the old node: the new publication stays, nobody hears `tracks: []`.
        try await s.n1.drop(s.published.transportId, reason: "migrated")
        try await cluster.settle()
        await s.round(n1: .draining)
        try await cluster.settle()
        #expect(!a.frames.contains { $0.tracksEvent?.tracks == [] } && !b.frames.contains { $0.tracksEvent?.tracks == [] })
        let after = await cluster.presence.get(PresenceKey(meetingId: s.meeting, participantId: aId))
        #expect(after?.publication?.transportId == moved.transportId)
        #expect(a.types.filter { $0 == "migrate" }.count == 1 && b.types.filter { $0 == "migrate" }.count == 1)
        // Renegotiating the new publication works as before.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideoScreen)), id: "p3")
        let again = try #require(try await a.waitFor("published") { $0.id == "p3" }.published)
        #expect(again.transportId == moved.transportId && again.nodeId == "n2" && again.tracks.count == 3)
    }

    @Test func watcherDeclaresALostNodeButNeverARegistryOutage() async throws {
        // A long node timeout: a call that waited for the dead node would never finish within the test.
        let cluster = try await InMemoryReplicas(count: 2, sfuTimeout: .seconds(60))
        defer { cluster.stop() }
        let s = try await self.scene(cluster)
        let (a, b, aId) = (s.a, s.b, s.aId)
        await s.round()

        // Redis is unreachable for 10 s, then comes back without n1's record: no node is declared lost.
        cluster.registry.setFailing(true)
        cluster.advance(by: .seconds(10))
        await cluster.watch(on: 0)
        await cluster.watch(on: 1)
        cluster.registry.setFailing(false)
        cluster.registry.remove("n1")
        await s.round(n1: nil)
        try await cluster.settle()
        #expect(!a.types.contains("migrate"))

        // n1 never comes back (and no longer answers): lost once the stale threshold (3 s here) passes.
        s.n1.setHanging(true)
        cluster.advance(by: .milliseconds(3100))
        await s.round(n1: nil)
        let migrate = try #require(try await a.waitFor("migrate").migrateInstruction)
        #expect(migrate == MigrateInstruction(reason: .nodeLost, nodeId: "n1", transportId: s.published.transportId, targetNodeId: "n2"))
        await s.round(n1: nil)

        // The publisher moves; the dead node's retire is not waited for.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: s.published.transportId)), id: "p2")
        let moved = try #require(try await a.waitFor("published") { $0.id == "p2" }.published)
        #expect(moved.nodeId == "n2")
        #expect(await cluster.participants.sfuNodes[aId] == "n2")
        let follow = try #require(try await b.waitFor("migrate").migrateInstruction)
        #expect(follow.reason == .publisherMoved && follow.nodeId == "n1" && follow.targetNodeId == "n2")
        // Unsubscribing from the dead node answers at once.
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: s.subscription.transportId)), id: "u")
        try await b.waitFor("ack") { $0.id == "u" }
        #expect(a.types.filter { $0 == "migrate" }.count == 1)
        try await s.n1.waitFor(SFUControlType.retireTransport)
    }

    @Test func replacesMustNameTheCurrentPublication() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        let (a, _, _, _, _) = try await MediaFlowTests().room(cluster)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: "n1-pub-404")), id: "x")
        let none = try await a.waitFor("error") { $0.id == "x" }
        #expect(none.errorCode == .badRequest && none.errorMessage?.contains("n1-pub-404") == true)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        let published = try #require(try await a.waitFor("published") { $0.id == "p" }.published)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: "other")), id: "y")
        #expect(try await a.waitFor("error") { $0.id == "y" }.errorCode == .badRequest)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: "")), id: "z")
        #expect(try await a.waitFor("error") { $0.id == "z" }.errorCode == .invalidData)
        // Nothing changed: one transport, never renegotiated.
        #expect(node.transportIds == [published.transportId])
        #expect(node.requests(SFUControlType.renegotiatePublisher).isEmpty && node.requests(SFUControlType.createPublisher).count == 1)
    }

    @Test func aSessionResumedOnAnotherReplicaIsToldByThatReplicasWatcher() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let n1 = try await cluster.addNode("n1")
        let n2 = try await cluster.addNode("n2", transports: 3)
        let meeting = UUID()
        let aId = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, participantId: aId, name: "a")
        await a.send(.join)
        try await a.waitFor("joined")
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        let published = try #require(try await a.waitFor("published").published)
        a.drop()
        try await cluster.settle()

        // n1 starts draining while a is away; both watchers see it (no local session for a).
        for replica in 0..<2 {
            cluster.heartbeat(n1, state: .draining)
            cluster.heartbeat(n2, transports: 3)
            await cluster.watch(on: replica)
        }
        let a2 = await cluster.connect(replica: 1, meetingId: meeting, participantId: aId, name: "a2")
        await a2.send(.join)
        #expect(try await a2.waitFor("joined").snapshot?.resumed == true)
        cluster.heartbeat(n1, state: .draining)
        await cluster.watch(on: 1)
        let migrate = try #require(try await a2.waitFor("migrate").migrateInstruction)
        #expect(migrate == MigrateInstruction(reason: .nodeDraining, nodeId: "n1", transportId: published.transportId, targetNodeId: "n2"))
        await a2.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: published.transportId)), id: "p2")
        #expect(try await a2.waitFor("published") { $0.id == "p2" }.published?.nodeId == "n2")
    }

    @Test func aSubscriberAwayWhileItsPublisherMovedIsToldOnResume() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let s = try await self.scene(cluster)
        let bId = try #require(await cluster.presence.list(meetingId: s.meeting).first { $0.subscriptions != nil }?.participant.id)
        s.b.drop()
        try await cluster.settle()
        try await s.n1.announceDraining()
        try await s.a.waitFor("migrate")
        await s.a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, replaces: s.published.transportId)), id: "p2")
        try await s.a.waitFor("published") { $0.id == "p2" }
        let b2 = await cluster.connect(replica: 0, meetingId: s.meeting, participantId: bId, name: "b2")
        await b2.send(.join)
        try await b2.waitFor("joined")
        let follow = try #require(try await b2.waitFor("migrate").migrateInstruction)
        #expect(
            follow == MigrateInstruction(
                reason: .publisherMoved, nodeId: "n1", transportId: s.subscription.transportId,
                publisherParticipantId: s.aId, targetNodeId: "n2"))
        #expect(b2.types.prefix(2) == ["joined", "migrate"])
    }

    @Test func noNodeToGoToWaitsForTheNextRound() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let n1 = try await cluster.addNode("n1")
        let a = await cluster.connect(replica: 0, meetingId: UUID(), name: "a")
        await a.send(.join)
        try await a.waitFor("joined")
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        try await a.waitFor("published")
        cluster.heartbeat(n1, state: .draining)
        await cluster.watch(on: 0)
        try await cluster.settle()
        #expect(!a.types.contains("migrate"))
        let n3 = try await cluster.addNode("n3")
        cluster.heartbeat(n1, state: .draining)
        await cluster.watch(on: 0)
        #expect(try await a.waitFor("migrate").migrateInstruction?.targetNodeId == n3.id)
    }

    @Test func aPublicationLeftOnALostNodeIsDroppedAfterTheGrace() async throws {
        let cluster = try await InMemoryReplicas(count: 2, sfuTimeout: .seconds(60))
        defer { cluster.stop() }
        let s = try await self.scene(cluster)
        let (a, b, aId) = (s.a, s.b, s.aId)
        await s.round()
        cluster.registry.remove("n1")
        s.n1.setHanging(true)
        cluster.advance(by: .milliseconds(3100))
        await s.round(n1: nil)
        _ = try #require(try await a.waitFor("migrate").migrateInstruction)

        // The client ignores it. Within the grace the room still lists its tracks...
        cluster.advance(by: .seconds(10))
        await s.round(n1: nil)
        try await cluster.settle()
        #expect(!b.frames.contains { $0.tracksEvent?.participantId == aId && $0.tracksEvent?.tracks.isEmpty == true })
        // ...after it, the room is told A publishes nothing, and the records say so.
        cluster.advance(by: .seconds(6))
        await s.round(n1: nil)
        let gone = try #require(try await b.waitFor("tracks") { $0.tracksEvent?.tracks.isEmpty == true }.tracksEvent)
        #expect(gone.participantId == aId && gone.nodeId == nil)
        #expect(await cluster.participants.sfuNodes[aId] == nil)
        #expect(a.types.filter { $0 == "migrate" }.count == 1)
    }
}

extension ServerEnvelope {
    var migrateInstruction: MigrateInstruction? {
        if case .migrate(let data) = self.message { return data }
        return nil
    }

    var errorMessage: String? {
        if case .error(let error) = self.message { return error.message }
        return nil
    }
}
