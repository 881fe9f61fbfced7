import Foundation
import MeetProtocol
import NIOConcurrencyHelpers
import Testing
@testable import MeetWS

/// Breakout rooms across two replicas (issue #21 item 5; docs/signaling.md,
/// Breakout rooms), with the production sessions and drivers over
/// in-memory adapters: who may do what, whom each room sees and hears,
/// per-room chat, the timer and the countdown, and a resume on another
/// replica keeping the room.
@Suite struct BreakoutFlowTests {
    func plan(_ frame: ServerEnvelope) -> BreakoutPlan? {
        if case .breakout(.plan(let plan)) = frame.message { plan } else { nil }
    }

    func scope(_ frame: ServerEnvelope) -> BreakoutScope? {
        if case .breakout(.scope(let scope)) = frame.message { scope } else { nil }
    }

    /// The authorization matrix: every host request is refused to an
    /// attendee with `forbidden` (nothing stored, nobody told), allowed to
    /// a host; `breakout-get` is anyone's. Bad input is `invalid_data`,
    /// a request out of turn `bad_request`, an unknown room or person `not_found`.
    @Test func hostsMayAttendeesMayNot() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .host, name: "host")
        let aliceId = UUID()
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, participantId: aliceId, name: "alice")

        let requests: [BreakoutCommand] = [
            .create(BreakoutCreate(count: 2)), .assign(BreakoutAssign(participantId: aliceId, roomId: UUID())), .auto,
            .open(BreakoutOpen()), .close(BreakoutClose()), .broadcast(BreakoutBroadcastSend(text: "hi")),
        ]
        for (index, request) in requests.enumerated() {
            await alice.send(.breakout(request), id: "a\(index)")
            let refused = try await alice.waitFor("error") { $0.id == "a\(index)" }
            #expect(refused.message == .error(SignalingError(.forbidden, "only hosts may \(request.type)")))
        }
        try await cluster.settle()
        #expect(await cluster.breakouts.plan(meetingId: meeting) == nil)
        #expect(!host.types.contains("breakout"))
        await alice.send(.breakout(.get), id: "g")
        let current = try await alice.waitFor("breakout") { $0.id == "g" }
        #expect(self.plan(current)?.status == .closed)

        // The host: bounds first, then out of turn, then unknown targets.
        for (id, bad) in [("b0", BreakoutCreate(count: 0)), ("b1", BreakoutCreate(count: BreakoutLimits.maxRooms + 1)),
                          ("b2", BreakoutCreate(names: [String(repeating: "x", count: BreakoutLimits.maxNameLength + 1)])),
                          ("b3", BreakoutCreate(names: ["A", "A"]))] {
            await host.send(.breakout(.create(bad)), id: id)
            #expect(try await host.waitFor("error") { $0.id == id }.errorCode == .invalidData)
        }
        await host.send(.breakout(.open(BreakoutOpen(durationSeconds: 5))), id: "b4")
        #expect(try await host.waitFor("error") { $0.id == "b4" }.errorCode == .invalidData)
        await host.send(.breakout(.open(BreakoutOpen())), id: "o0")
        #expect(try await host.waitFor("error") { $0.id == "o0" }.errorCode == .badRequest)
        await host.send(.breakout(.create(BreakoutCreate(names: ["Red", "Blue"]))), id: "c")
        let created = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "c" }))
        #expect(created.status == .draft && created.rooms.map(\.name) == ["Red", "Blue"])
        await host.send(.breakout(.assign(BreakoutAssign(participantId: aliceId, roomId: UUID()))), id: "n0")
        #expect(try await host.waitFor("error") { $0.id == "n0" }.errorCode == .notFound)
        await host.send(.breakout(.assign(BreakoutAssign(participantId: UUID(), roomId: created.rooms[0].id))), id: "n1")
        #expect(try await host.waitFor("error") { $0.id == "n1" }.errorCode == .notFound)
        await host.send(.breakout(.broadcast(BreakoutBroadcastSend(text: "early"))), id: "n2")
        #expect(try await host.waitFor("error") { $0.id == "n2" }.errorCode == .badRequest)
        await host.send(.breakout(.auto), id: "auto")
        let auto = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "auto" }))
        #expect(auto.assignments.map(\.participantId) == [aliceId])  // the host is not assigned
        // The attendee heard the plan from the other replica.
        let heard = try await alice.waitFor("breakout") { self.plan($0)?.revision == auto.revision && $0.id == nil }
        #expect(self.plan(heard) == auto)
    }

    /// Open rooms scope what each socket gets: `participant-*`, room chat
    /// and subscriptions stay in the room, `breakout-scope` tells each whom
    /// it now sees, a host visits by assigning itself, a broadcast reaches
    /// every room, a resume on the other replica keeps the room, and the
    /// countdown brings everyone back.
    /// A room's chat delivered late (the outbox, a replay after a Redis
    /// outage) goes to the room it was written in, not to its sender's room
    /// now, and to nobody once the rooms are closed.
    @Test func aLateRoomChatReachesItsRoomWhereverItsSenderIsNow() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let (aliceId, carolId) = (UUID(), UUID())
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .owner, name: "host")
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, participantId: aliceId, name: "alice")
        let carol = try await cluster.joined(replica: 0, meetingId: meeting, participantId: carolId, name: "carol")
        await host.send(.breakout(.create(BreakoutCreate(count: 2))), id: "c")
        let rooms = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "c" })).rooms
        await host.send(.breakout(.assign(BreakoutAssign(participantId: aliceId, roomId: rooms[0].id))), id: "a1")
        await host.send(.breakout(.assign(BreakoutAssign(participantId: carolId, roomId: rooms[1].id))), id: "a2")
        await host.send(.breakout(.open(BreakoutOpen())), id: "o")
        _ = try await alice.waitFor("breakout-scope")
        _ = try await carol.waitFor("breakout-scope")

        // Carol wrote this in room 1 before she moved to room 2; it is delivered only now.
        var late = ChatMessage(id: "7", participantId: carolId, userId: nil, displayName: "carol", body: "for room 1", createdAt: Date())
        late.breakoutRoomId = rooms[0].id
        let services = cluster.replicas[0]
        try await services.bus.publish(services.roomMessage(.chat(late), meetingId: meeting, audience: .participants))
        guard case .chat(let heard) = try await alice.waitFor("chat").message else { throw ClusterError("no chat") }
        #expect(heard.body == "for room 1" && heard.breakoutRoomId == rooms[0].id)
        try await cluster.settle()
        #expect(!carol.types.contains("chat") && !host.types.contains("chat"))
    }

    @Test func roomsScopeEventsChatAndSubscriptions() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let (hostId, aliceId, bobId, carolId) = (UUID(), UUID(), UUID(), UUID())
        let host = try await cluster.joined(replica: 0, meetingId: meeting, participantId: hostId, role: .owner, name: "host")
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, participantId: aliceId, name: "alice")
        let bob = try await cluster.joined(replica: 0, meetingId: meeting, participantId: bobId, name: "bob")
        let carol = try await cluster.joined(replica: 1, meetingId: meeting, participantId: carolId, name: "carol")

        await host.send(.breakout(.create(BreakoutCreate(count: 2))), id: "c")
        let rooms = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "c" })).rooms
        for (person, room) in [(aliceId, rooms[0].id), (bobId, rooms[0].id), (carolId, rooms[1].id)] {
            await host.send(.breakout(.assign(BreakoutAssign(participantId: person, roomId: room))), id: "as")
        }
        try await cluster.settle()
        #expect(!alice.types.contains("breakout-scope"))  // a draft moves nobody
        await host.send(.breakout(.open(BreakoutOpen(durationSeconds: 600))), id: "o")
        let aliceScope = try #require(self.scope(try await alice.waitFor("breakout-scope")))
        #expect(aliceScope.roomId == rooms[0].id && aliceScope.roomName == "Room 1")
        #expect(Set(aliceScope.participants.map(\.id)) == [aliceId, bobId])
        let carolScope = try await carol.waitFor("breakout-scope")
        #expect(self.scope(carolScope)?.participants.map(\.id) == [carolId])
        let hostScope = try #require(self.scope(try await host.waitFor("breakout-scope")))
        #expect(hostScope.roomId == nil && hostScope.participants.map(\.id) == [hostId])

        // Events about a person, and room chat, stay in that person's room.
        await alice.send(.hand(HandUpdate(raised: true)), id: "h")
        await alice.send(.chat(ChatSend(body: "in room 1")), id: "m")
        _ = try await bob.waitFor("chat")
        _ = try await bob.waitFor("participant-updated")
        try await cluster.settle()
        for outsider in [carol, host] {
            #expect(!outsider.types.contains("chat") && !outsider.types.contains("participant-updated"), "\(outsider.name)")
        }
        // A private message to the hosts is not scoped.
        await carol.send(.chat(ChatSend(body: "help", toHosts: true)), id: "p")
        _ = try await host.waitFor("chat")
        // Subscriptions follow the scope.
        await carol.send(.subscribe(SubscribeRequest(participantId: aliceId)), id: "s")
        #expect(try await carol.waitFor("error") { $0.id == "s" }.message
            == .error(SignalingError(.forbidden, "that person is in another breakout room")))

        // The host visits room 1: it sees its people, and they see it.
        await host.send(.breakout(.assign(BreakoutAssign(participantId: hostId, roomId: rooms[0].id))), id: "v")
        let visit = try await host.waitFor("breakout-scope") { self.scope($0)?.roomId == rooms[0].id }
        #expect(Set(self.scope(visit)?.participants.map(\.id) ?? []) == [hostId, aliceId, bobId])
        _ = try await alice.waitFor("breakout-scope") { self.scope($0)?.participants.count == 3 }
        await host.send(.breakout(.broadcast(BreakoutBroadcastSend(text: "five minutes"))), id: "b")
        _ = try await carol.waitFor("breakout-broadcast")
        _ = try await alice.waitFor("breakout-broadcast")

        // Alice's replica dies: she resumes on the other one, still in room 1.
        alice.drop()
        try await cluster.settle()
        let back = await cluster.connect(replica: 0, meetingId: meeting, participantId: aliceId, name: "alice")
        await back.send(.join, id: "j")
        guard case .joined(let snapshot) = try await back.waitFor("joined").message else { throw ClusterError("no snapshot") }
        #expect(Set(snapshot.participants.map(\.id)) == [hostId, aliceId, bobId])
        let kept = try await back.waitFor("breakout")
        #expect(self.plan(kept)?.scope(of: aliceId) == rooms[0].id)

        // Closing: a countdown, then everyone is back and sees everyone.
        await host.send(.breakout(.close(BreakoutClose(countdownSeconds: 10))), id: "x")
        let closing = try await carol.waitFor("breakout") { self.plan($0)?.status == .closing }
        #expect(self.plan(closing)?.returnAt != nil)
        try await BreakoutTimer(services: cluster.replicas[1]).round(now: Date().addingTimeInterval(5))
        try await cluster.settle()
        #expect(!carol.frames.contains { self.plan($0)?.status == .closed })  // not yet
        try await BreakoutTimer(services: cluster.replicas[1]).round(now: Date().addingTimeInterval(11))
        let home = try #require(self.scope(try await carol.waitFor("breakout-scope") { self.scope($0)?.roomId == nil }))
        #expect(Set(home.participants.map(\.id)) == [hostId, aliceId, bobId, carolId])
        await carol.send(.subscribe(SubscribeRequest(participantId: aliceId)), id: "s2")
        #expect(try await carol.waitFor("error") { $0.id == "s2" }.errorCode != .forbidden)
    }

    /// The server closes subscriptions across rooms itself, whatever the
    /// client does: a transport of its own is closed on the node
    /// (`subscription-closed`, `breakout_scope`); on a per-node connection
    /// the publishers are taken off without a re-offer, all in one request
    /// (their media stops, the others' goes on); a connection left with
    /// nobody closes. Asking again is `forbidden`, using the old
    /// subscription `not_found`.
    @Test func movingApartClosesSubscriptionsOnTheServer() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1", port: 10001)
        let meeting = UUID()
        let (hostId, aliceId, bobId, carolId, daveId, erinId) = (UUID(), UUID(), UUID(), UUID(), UUID(), UUID())
        let host = try await cluster.joined(replica: 0, meetingId: meeting, participantId: hostId, role: .owner, name: "host")
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, participantId: aliceId, name: "alice")
        let bob = try await cluster.joined(replica: 0, meetingId: meeting, participantId: bobId, name: "bob")
        let carol = try await cluster.joined(replica: 1, meetingId: meeting, participantId: carolId, name: "carol")
        let dave = try await cluster.joined(replica: 1, meetingId: meeting, participantId: daveId, name: "dave")
        let erin = try await cluster.joined(replica: 0, meetingId: meeting, participantId: erinId, name: "erin")
        for (client, id) in [(alice, "pa"), (carol, "pc"), (erin, "pe")] {
            await client.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: id)
            _ = try await client.waitFor("published") { $0.id == id }
        }
        // Bob: one node connection carrying alice, carol and erin. Dave: a transport of his own to carol.
        await bob.send(.subscribe(SubscribeRequest(participantId: aliceId, perNode: true)), id: "s1")
        let connection = try #require(try await bob.waitFor("subscription") { $0.id == "s1" }.subscriptionOffer).transportId
        await bob.send(.subscribe(SubscribeRequest(participantId: carolId, perNode: true)), id: "s2")
        _ = try await bob.waitFor("subscription") { $0.id == "s2" }
        await bob.send(.subscribe(SubscribeRequest(participantId: erinId, perNode: true)), id: "s2e")
        _ = try await bob.waitFor("subscription") { $0.id == "s2e" }
        await dave.send(.subscribe(SubscribeRequest(participantId: carolId)), id: "s3")
        let daves = try #require(try await dave.waitFor("subscription") { $0.id == "s3" }.subscriptionOffer).transportId

        await host.send(.breakout(.create(BreakoutCreate(count: 2))), id: "c")
        let rooms = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "c" })).rooms
        for (person, room) in [(aliceId, rooms[0].id), (bobId, rooms[0].id), (daveId, rooms[0].id), (carolId, rooms[1].id), (erinId, rooms[1].id)] {
            await host.send(.breakout(.assign(BreakoutAssign(participantId: person, roomId: room))), id: "as")
        }
        try await cluster.settle()
        #expect(node.requests(SFUControlType.removeSubscription).isEmpty)  // a draft moves nobody
        await host.send(.breakout(.open(BreakoutOpen())), id: "o")
        _ = try await bob.waitFor("breakout-scope")
        _ = try await dave.waitFor("breakout-scope")
        try await cluster.settle()

        // Bob's connection: carol and erin off in one request, without a re-offer; alice stays.
        let removals = node.requests(SFUControlType.removeSubscription)
        #expect(removals.count == 1)
        let removal = try JSONDecoder().decode(BusEnvelope<RemoveSubscriptionRequest>.self, from: Data(try #require(removals.first).utf8)).body
        #expect(removal.transportId == connection)
        #expect(Set(removal.publishers) == [carolId.uuidString.lowercased(), erinId.uuidString.lowercased()])
        #expect(removal.publisherParticipantIds?.count == 2 && removal.reoffer == false)
        let carried = node.state.withLockedValue { $0.transports[connection]?.tracks.compactMap(\.participantId) }
        #expect(Set(carried ?? []) == [aliceId.uuidString.lowercased()])
        #expect(!bob.types.contains("subscription-closed"))
        await bob.send(.unsubscribe(UnsubscribeRequest(transportId: connection, participantId: carolId)), id: "u1")
        #expect(try await bob.waitFor("error") { $0.id == "u1" }.errorCode == .notFound)
        await bob.send(.subscribe(SubscribeRequest(participantId: carolId, perNode: true)), id: "s4")
        #expect(try await bob.waitFor("error") { $0.id == "s4" }.errorCode == .forbidden)
        await bob.send(.subscribeAnswer(SubscribeAnswer(transportId: connection, answer: "v=0 ok")), id: "sa")
        #expect(try await bob.waitFor("ack") { $0.id == "sa" }.id == "sa")  // alice's part still works

        // Dave's own transport to carol: closed on the node, and he is told why.
        let closed = try #require(try await dave.waitFor("subscription-closed").subscriptionClosed)
        #expect(closed == SubscriptionClosed(transportId: daves, publisherParticipantId: carolId, reason: "breakout_scope"))
        #expect(node.transportIds.contains(daves) == false)
        await dave.send(.subscribeAnswer(SubscribeAnswer(transportId: daves, answer: "v=0 ok")), id: "da")
        #expect(try await dave.waitFor("error") { $0.id == "da" }.errorCode == .notFound)
        await dave.send(.subscribe(SubscribeRequest(participantId: carolId, transportId: daves, iceRestart: true)), id: "dr")
        #expect(try await dave.waitFor("error") { $0.id == "dr" }.errorCode == .forbidden)

        // Alice moves to room 2 while open: Bob's connection is left with nobody and closes.
        await host.send(.breakout(.assign(BreakoutAssign(participantId: aliceId, roomId: rooms[1].id))), id: "mv")
        let gone = try #require(try await bob.waitFor("subscription-closed").subscriptionClosed)
        #expect(gone.transportId == connection && gone.publisherParticipantId == aliceId && gone.reason == "breakout_scope")
        try await cluster.settle()
        #expect(node.transportIds.contains(connection) == false)
        #expect(carol.types.filter { $0 == "subscription-closed" }.isEmpty)
    }

    /// The safety rule inside a session: a node that refuses the batched
    /// removal gets the whole connection closed (alice's part too, though
    /// she stays in the room), and the client one `subscription-closed`;
    /// the record forgets the connection.
    @Test func aRefusedRemovalClosesTheWholeConnection() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let node = try await cluster.addNode("n1", port: 10001)
        let meeting = UUID()
        let (aliceId, bobId, carolId) = (UUID(), UUID(), UUID())
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .owner, name: "host")
        let alice = try await cluster.joined(replica: 0, meetingId: meeting, participantId: aliceId, name: "alice")
        let bob = try await cluster.joined(replica: 0, meetingId: meeting, participantId: bobId, name: "bob")
        let carol = try await cluster.joined(replica: 0, meetingId: meeting, participantId: carolId, name: "carol")
        for (client, id) in [(alice, "pa"), (carol, "pc")] {
            await client.send(.publish(PublishRequest(offer: FakeSDP.audioVideo)), id: id)
            _ = try await client.waitFor("published") { $0.id == id }
        }
        await bob.send(.subscribe(SubscribeRequest(participantId: aliceId, perNode: true)), id: "s1")
        let connection = try #require(try await bob.waitFor("subscription") { $0.id == "s1" }.subscriptionOffer).transportId
        await bob.send(.subscribe(SubscribeRequest(participantId: carolId, perNode: true)), id: "s2")
        _ = try await bob.waitFor("subscription") { $0.id == "s2" }
        node.state.withLockedValue { $0.refusedRemovals = [connection] }

        await host.send(.breakout(.create(BreakoutCreate(count: 2))), id: "c")
        let rooms = try #require(self.plan(try await host.waitFor("breakout") { $0.id == "c" })).rooms
        for (person, room) in [(aliceId, rooms[0].id), (bobId, rooms[0].id), (carolId, rooms[1].id)] {
            await host.send(.breakout(.assign(BreakoutAssign(participantId: person, roomId: room))), id: "as")
        }
        await host.send(.breakout(.open(BreakoutOpen())), id: "o")
        let closed = try #require(try await bob.waitFor("subscription-closed").subscriptionClosed)
        #expect(closed == SubscriptionClosed(transportId: connection, publisherParticipantId: carolId, reason: "breakout_scope"))
        try await cluster.settle()
        #expect(node.requests(SFUControlType.removeSubscription).count == 1)
        #expect(node.requests(SFUControlType.closeTransport).count == 1)
        #expect(node.transportIds.contains(connection) == false)
        #expect(bob.types.filter { $0 == "subscription-closed" }.count == 1)
        await bob.send(.subscribeAnswer(SubscribeAnswer(transportId: connection, answer: "v=0 ok")), id: "sa")
        #expect(try await bob.waitFor("error") { $0.id == "sa" }.errorCode == .notFound)
        // Alice is still in bob's room: he may subscribe to her again.
        await bob.send(.subscribe(SubscribeRequest(participantId: aliceId, perNode: true)), id: "s3")
        #expect(try await bob.waitFor("subscription") { $0.id == "s3" }.subscriptionOffer != nil)
    }
}
