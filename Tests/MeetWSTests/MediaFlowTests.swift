import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// publish / subscribe / mute / leave through real sessions and hubs of two
/// replicas over the in-memory bus, with fake SFU nodes answering on it.
@Suite struct MediaFlowTests {
    /// Two joined participants: `a` on replica 0 (owner), `b` on replica 1.
    func room(_ cluster: InMemoryReplicas) async throws -> (a: FakeSocket, aId: UUID, b: FakeSocket, bId: UUID, meeting: UUID) {
        let meeting = UUID()
        let aId = UUID()
        let bId = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, participantId: aId, role: .owner, name: "a")
        await a.send(.join, id: "j")
        try await a.waitFor("joined")
        let b = await cluster.connect(replica: 1, meetingId: meeting, participantId: bId, name: "b")
        await b.send(.join, id: "j")
        try await b.waitFor("joined")
        try await a.waitFor("participant-joined")
        return (a, aId, b, bId, meeting)
    }

    @Test func publishSubscribeRenegotiateUnpublish() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        _ = try await cluster.addNode("busy", port: 10001, transports: 5)
        let idle = try await cluster.addNode("idle", port: 10002)
        let (a, aId, b, bId, meeting) = try await self.room(cluster)

        // Placement: the least-loaded node; the answer carries its address and the tracks.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p1")
        let published = try #require(try await a.waitFor("published").published)
        #expect(published.nodeId == "idle" && published.address == NodeAddress(ip: "127.0.0.1", port: 10002))
        #expect(published.tracks.map(\.kind) == [.mic, .camera] && published.tracks.allSatisfy { $0.participantId == aId })
        #expect(try await a.waitFor("published").id == "p1")
        let event = try #require(try await b.waitFor("tracks").tracksEvent)
        #expect(event == TracksEvent(participantId: aId, nodeId: "idle", tracks: published.tracks))
        #expect(await cluster.participants.sfuNodes[aId] == "idle")

        // b subscribes: routed to a's node; answers; a wrong transport id is refused.
        await b.send(.subscribe(SubscribeRequest(participantId: aId)), id: "s1")
        let offer = try #require(try await b.waitFor("subscription").subscriptionOffer)
        #expect(offer.nodeId == "idle" && offer.publisherParticipantId == aId && offer.address.port == 10002)
        #expect(offer.offer == "v=0 offer from idle" && offer.tracks.map(\.kind) == [.mic, .camera])
        #expect(idle.requests(SFUControlType.createSubscriber).count == 1)
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: "v=0 ok")), id: "sa")
        #expect(try await b.waitFor("ack") { $0.id == "sa" }.id == "sa")
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: "someone-elses", answer: "v=0")), id: "sx")
        #expect(try await b.waitFor("error") { $0.id == "sx" }.errorCode == .notFound)
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: "bad")), id: "sb")
        #expect(try await b.waitFor("error") { $0.id == "sb" }.errorCode == .badSDP)
        // Renegotiating the subscription (ICE restart) keeps the transport.
        await b.send(.subscribe(SubscribeRequest(participantId: aId, transportId: offer.transportId, iceRestart: true)), id: "s2")
        let again = try #require(try await b.waitFor("subscription") { $0.id == "s2" }.subscriptionOffer)
        #expect(again.transportId == offer.transportId && again.offer == "v=0 re-offer true")
        // Subscribing to someone who publishes nothing.
        await a.send(.subscribe(SubscribeRequest(participantId: bId)), id: "s3")
        #expect(try await a.waitFor("error") { $0.id == "s3" }.errorCode == .notFound)

        // a adds a screen: same transport, same node, three tracks; a newcomer sees them.
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideoScreen, nodeId: "busy")), id: "p2")
        let renegotiated = try #require(try await a.waitFor("published") { $0.id == "p2" }.published)
        #expect(renegotiated.transportId == published.transportId && renegotiated.nodeId == "idle")
        #expect(renegotiated.tracks.map(\.kind) == [.mic, .camera, .screen])
        #expect(idle.requests(SFUControlType.renegotiatePublisher).count == 1)
        let c = await cluster.connect(replica: 0, meetingId: meeting, name: "c")
        await c.send(.join, id: "j")
        #expect(try await c.waitFor("joined").snapshot?.tracks.map(\.kind) == [.mic, .camera, .screen])

        // a unpublishes: b's subscription closes (the node's event) and the room hears `tracks: []`.
        await a.send(.unpublish, id: "u")
        #expect(try await a.waitFor("ack") { $0.id == "u" }.id == "u")
        let closed = try #require(try await b.waitFor("subscription-closed").subscriptionClosed)
        #expect(closed == SubscriptionClosed(transportId: offer.transportId, publisherParticipantId: aId, reason: "publisher_closed"))
        #expect(try await b.waitFor("tracks") { $0.tracksEvent?.tracks == [] }.tracksEvent?.participantId == aId)
        #expect(idle.transportIds.isEmpty)
        #expect(await cluster.participants.sfuNodes[aId] == nil)
        await b.send(.subscribe(SubscribeRequest(participantId: aId)), id: "s4")
        #expect(try await b.waitFor("error") { $0.id == "s4" }.errorCode == .notFound)
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: offer.transportId)), id: "us")
        #expect(try await b.waitFor("error") { $0.id == "us" }.errorCode == .notFound)
        await a.send(.unpublish, id: "u2")
        #expect(try await a.waitFor("ack") { $0.id == "u2" }.id == "u2")
    }

    @Test func perNodeOneConnectionCarriesEveryPublisherOnTheNode() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1", port: 10001)
        let (a, aId, b, _, meeting) = try await self.room(cluster)
        let cId = UUID()
        let c = await cluster.connect(replica: 1, meetingId: meeting, participantId: cId, name: "c")
        await c.send(.join, id: "j")
        try await c.waitFor("joined")
        for (client, id) in [(a, "pa"), (c, "pc")] {
            await client.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: id)
            _ = try #require(try await client.waitFor("published") { $0.id == id }.published)
        }

        // b subscribes to a, then c: one connection, the second a re-offer listing both publishers' tracks.
        await b.send(.subscribe(SubscribeRequest(participantId: aId, perNode: true)), id: "s1")
        let first = try #require(try await b.waitFor("subscription") { $0.id == "s1" }.subscriptionOffer)
        #expect(first.perNode == true && first.tracks.allSatisfy { $0.participantId == aId })
        await b.send(.subscribe(SubscribeRequest(participantId: cId, perNode: true)), id: "s2")
        let second = try #require(try await b.waitFor("subscription") { $0.id == "s2" }.subscriptionOffer)
        #expect(second.transportId == first.transportId && second.offer == "v=0 re-offer")
        #expect(second.tracks.map(\.participantId) == [aId, aId, cId, cId])
        #expect(node.transportIds.count == 3)  // two publishers, one subscriber connection
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: second.transportId, answer: "v=0 ok")), id: "sa")
        #expect(try await b.waitFor("ack") { $0.id == "sa" }.id == "sa")

        // Taking a off: a re-offer with c's tracks only; then c: the connection closes (ack).
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: first.transportId, participantId: aId)), id: "u1")
        let shrunk = try #require(try await b.waitFor("subscription") { $0.id == "u1" }.subscriptionOffer)
        #expect(shrunk.tracks.map(\.participantId) == [cId, cId])
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: first.transportId, participantId: aId)), id: "u2")
        #expect(try await b.waitFor("error") { $0.id == "u2" }.errorCode == .notFound)
        await b.send(.unsubscribe(UnsubscribeRequest(transportId: first.transportId, participantId: cId)), id: "u3")
        #expect(try await b.waitFor("ack") { $0.id == "u3" }.id == "u3")
        #expect(node.transportIds.count == 2)
        await b.send(.subscribeAnswer(SubscribeAnswer(transportId: first.transportId, answer: "v=0 ok")), id: "sb")
        #expect(try await b.waitFor("error") { $0.id == "sb" }.errorCode == .notFound)
    }

    @Test func failuresLeaveNoStateAndDrainingRetriesElsewhere() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let (a, _, b, _, _) = try await self.room(cluster)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "none")
        #expect(try await a.waitFor("error") { $0.id == "none" }.errorCode == .sfuUnavailable)

        let first = try await cluster.addNode("a-first")
        _ = try await cluster.addNode("b-second", transports: 1)
        await a.send(.publish(PublishRequest(offer: "v=0 bad\r\nm=audio 9 x 111\r\n")), id: "bad")
        #expect(try await a.waitFor("error") { $0.id == "bad" }.errorCode == .badSDP)
        // A draining node (its record not yet updated) is skipped on a retry.
        first.setDraining(true)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "a-first")), id: "ok")
        #expect(try await a.waitFor("published") { $0.id == "ok" }.published?.nodeId == "b-second")
        #expect(first.requests(SFUControlType.createPublisher).count == 2)
        // Only the good publish reached the room.
        try await b.waitFor("tracks")
        try await cluster.settle()
        #expect(b.types.filter { $0 == "tracks" }.count == 1)
    }

    @Test func placementHintsOnlyWhenEnabled() async throws {
        let cluster = try await InMemoryReplicas(count: 1, placementHints: true)
        defer { cluster.stop() }
        _ = try await cluster.addNode("n1")
        _ = try await cluster.addNode("n2", transports: 3)
        let a = await cluster.connect(replica: 0, meetingId: UUID(), name: "a")
        await a.send(.join)
        try await a.waitFor("joined")
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "nowhere")), id: "x")
        #expect(try await a.waitFor("error") { $0.id == "x" }.errorCode == .badRequest)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "n2")), id: "y")
        #expect(try await a.waitFor("published") { $0.id == "y" }.published?.nodeId == "n2")
    }

    @Test func hardMuteOnTheNodeAndSelfUnmute() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        let (host, hostId, b, bId, _) = try await self.room(cluster)
        await b.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        try await b.waitFor("published")
        try await host.waitFor("tracks")

        await host.send(.mute(MuteCommand(participantId: bId, kind: .mic)), id: "m")
        #expect(try await host.waitFor("ack") { $0.id == "m" }.id == "m")
        let setMute = try #require(node.requests(SFUControlType.setMute).first)
        #expect(setMute.contains(#""muted":true"#) && setMute.contains(#""source":"mic""#))
        #expect(try await b.waitFor("mute-requested").message == .muteRequested(MuteRequested(kind: .mic, by: hostId)))
        let muted = try await host.waitFor("tracks") { $0.tracksEvent?.tracks.contains { $0.muted } == true }
        #expect(muted.tracksEvent?.tracks.map(\.muted) == [true, false])

        // A host's mute of a kind b does not publish: asked, nothing enforced.
        await host.send(.mute(MuteCommand(participantId: bId, kind: .screen)), id: "m2")
        try await host.waitFor("ack") { $0.id == "m2" }
        #expect(node.requests(SFUControlType.setMute).count == 1)

        // b turns its mic on again: the node forwards again, the room sees it unmuted.
        await b.send(.media(MediaUpdate(mic: true)), id: "on")
        try await node.waitFor(SFUControlType.setMute, count: 2)
        #expect(node.requests(SFUControlType.setMute)[1].contains(#""muted":false"#))
        let unmuted = try await host.waitFor("tracks") { frame in
            frame.tracksEvent.map { !$0.tracks.isEmpty && !$0.tracks.contains { $0.muted } } ?? false
        }
        #expect(unmuted.tracksEvent?.tracks.count == 2)
    }

    @Test func departuresCloseTheParticipantOnEveryNode() async throws {
        let cluster = try await InMemoryReplicas(count: 2, placementHints: true)
        defer { cluster.stop() }
        let n1 = try await cluster.addNode("n1")
        let n2 = try await cluster.addNode("n2")
        let (a, aId, b, bId, _) = try await self.room(cluster)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "n1")), id: "p")
        try await a.waitFor("published")
        await b.send(.publish(PublishRequest(offer: FakeSDP.audioVideo, nodeId: "n2")), id: "p")
        try await b.waitFor("published")
        await a.send(.subscribe(SubscribeRequest(participantId: bId)), id: "s")
        #expect(try await a.waitFor("subscription").subscriptionOffer?.nodeId == "n2")

        // a leaves: both nodes where it held a transport are told; b hears tracks [] then participant-left.
        await a.send(.leave, id: "l")
        try await n1.waitFor(SFUControlType.closeParticipant)
        try await n2.waitFor(SFUControlType.closeParticipant)
        #expect(n1.requests(SFUControlType.closeParticipant)[0].contains(aId.uuidString.lowercased()))
        try await b.waitFor("participant-left")
        let gone = b.types.drop { $0 != "published" }.filter { $0 == "tracks" || $0 == "participant-left" }
        #expect(gone.suffix(2) == ["tracks", "participant-left"])
        #expect(n1.transportIds.isEmpty && n2.transportIds.count == 1)

        // b drops; once the grace passes the sweep closes it on its node too.
        b.drop()
        try await cluster.settle()
        cluster.advance(by: .seconds(21))
        try await cluster.sweep(on: 0)
        try await n2.waitFor(SFUControlType.closeParticipant, count: 2)
        #expect(n2.transportIds.isEmpty)
    }

    @Test func nodeEventsReachTheRightSocket() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1")
        let (a, aId, b, _, meeting) = try await self.room(cluster)
        await a.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: "p")
        let published = try #require(try await a.waitFor("published").published)
        await b.send(.subscribe(SubscribeRequest(participantId: aId)), id: "s")
        let offer = try #require(try await b.waitFor("subscription").subscriptionOffer)

        // The subscriber transport fails on its own: only b is told.
        try await node.drop(offer.transportId)
        #expect(try await b.waitFor("subscription-closed").subscriptionClosed?.reason == "ice_failed")
        #expect(!a.types.contains("subscription-closed"))

        // a's socket drops (seat kept); its publisher transport then dies on the
        // node: the replica named in presence tells the room, once.
        a.drop()
        try await cluster.settle()
        try await node.drop(published.transportId)
        try await b.waitFor("tracks") { $0.tracksEvent?.tracks == [] }
        try await cluster.settle()
        #expect(b.frames.filter { $0.tracksEvent?.tracks == [] }.count == 1)
        let record = await cluster.presence.get(PresenceKey(meetingId: meeting, participantId: aId))
        #expect(record != nil && record?.publication == nil)
    }
}

extension ServerEnvelope {
    var published: Published? {
        if case .published(let data) = self.message { return data }
        return nil
    }

    var subscriptionOffer: SubscriptionOffer? {
        if case .subscription(let data) = self.message { return data }
        return nil
    }

    var tracksEvent: TracksEvent? {
        if case .tracks(let data) = self.message { return data }
        return nil
    }

    var subscriptionClosed: SubscriptionClosed? {
        if case .subscriptionClosed(let data) = self.message { return data }
        return nil
    }
}
