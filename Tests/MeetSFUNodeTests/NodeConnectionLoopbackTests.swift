import Logging
import MeetProtocol
@testable import MeetRTC
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import MeetSFUNode

/// Per-node subscriber connections over loopback: one subscriber
/// PeerConnection ("bob") carries three publishers' tracks, added and
/// removed by the node's re-offers; idle m-lines are reused; a publisher
/// that closes leaves the connection up.
@Suite("TransportManager: one subscriber connection per node (loopback)", .serialized)
struct NodeConnectionLoopbackTests {
    /// One publisher client on its own socket.
    struct Publisher {
        let name: String
        let socket: RTCSocket
        let connection: PeerConnection
        /// The connection's delegate (held weakly by it).
        let media: Recorder
        let reply: CreatePublisherReply
        let tracks: [LocalTrack]
    }

    static func publish(_ name: String, to manager: TransportManager) async throws -> Publisher {
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let media = Recorder()
        let connection = PeerConnection(role: .client, socket: socket, configuration: LoopbackHarness.rtc, delegate: media)
        let offer = try await connection.createOffer(kinds: [.audio, .video])
        let reply = try await manager.createPublisher(CreatePublisherRequest(participantId: name, roomId: "room-1", offer: offer))
        try await connection.acceptAnswer(reply.answer)
        try await waitUntil("\(name) connected") { try await onLoop(connection) { connection.state == .connected } }
        return Publisher(
            name: name, socket: socket, connection: connection, media: media, reply: reply,
            tracks: try await onLoop(connection) { connection.localTracks })
    }

    /// Answers a node offer on bob's connection and hands the answer to the node.
    static func answer(_ offer: String, first: Bool, bob: PeerConnection, transportId: String, manager: TransportManager) async throws {
        let answer = first
            ? try await bob.acceptOffer(offer, sendBack: false) : try await bob.acceptReoffer(offer)
        try await manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: transportId, answer: answer))
    }

    /// Sends video keyframes from `publisher` until bob receives one on the section the node gave it.
    static func videoArrives(
        from publisher: Publisher, tracks: [SFUTrack], bob: PeerConnection, media: Recorder, sequence: inout UInt16
    ) async throws {
        let mid = try #require(tracks.first { $0.id == "\(publisher.reply.transportId):1" }?.mid)
        let ssrc = try #require(try await onLoop(bob) { bob.remoteTracks.first { $0.mid == mid }?.ssrcs.first })
        let video = try #require(publisher.tracks.first { $0.kind == .video })
        try await waitUntil("\(publisher.name)'s video reaches bob on section \(mid)") {
            sequence &+= 1
            let next = sequence
            try await onLoop(publisher.connection) {
                publisher.connection.sendRTP(ForwardingLoopbackTests.rtp(
                    payloadType: 96, sequence: next, ssrc: video.ssrc, payload: ForwardingLoopbackTests.vp8Keyframe))
            }
            return try await onLoop(bob) {
                media.rtp.contains { $0.mid == mid && Array($0.bytes[8..<12]) == ForwardingLoopbackTests.bytes(ssrc) }
            }
        }
    }

    /// Bob's per-node connection, made by subscribing to `publisher`, answered and connected.
    static func connectBob(
        to publisher: String, manager: TransportManager
    ) async throws -> (socket: RTCSocket, bob: PeerConnection, media: Recorder, reply: CreateSubscriberReply) {
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let media = Recorder()
        let bob = PeerConnection(role: .client, socket: socket, configuration: LoopbackHarness.rtc, delegate: media)
        let reply = try await manager.createSubscriber(
            CreateSubscriberRequest(participantId: "bob", publisherParticipantId: publisher, perNode: true))
        try await answer(reply.offer, first: true, bob: bob, transportId: reply.transportId, manager: manager)
        try await waitUntil("bob connected") { try await onLoop(bob) { bob.state == .connected } }
        return (socket, bob, media, reply)
    }

    static func highestMid(_ sdp: String) -> Int {
        sdp.split(separator: "\r\n").compactMap { line in
            line.hasPrefix("a=mid:") ? Int(line.dropFirst("a=mid:".count)) : nil
        }.max() ?? -1
    }

    @Test("one publisher, then three, then one again, then a reused m-line: one connection, media on every section")
    func oneToThreeAndBack() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let events = NIOLockedValueBox<[SFUTransportClosedEvent]>([])
        let manager = TransportManager(
            socket: serverSocket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"), nodeId: "node-test",
            events: { event in events.withLockedValue { $0.append(event) } })
        let alice = try await Self.publish("alice", to: manager)
        let carol = try await Self.publish("carol", to: manager)
        let dave = try await Self.publish("dave", to: manager)

        let (bobSocket, bob, bobMedia, first) = try await Self.connectBob(to: "alice", manager: manager)
        let id = first.transportId
        var sequence: UInt16 = 100
        try await Self.videoArrives(from: alice, tracks: first.tracks, bob: bob, media: bobMedia, sequence: &sequence)

        // Carol, then Dave, join the same connection by re-offers.
        var tracks = first.tracks
        for (publisher, expected) in [(carol, 4), (dave, 6)] {
            let added = try await manager.createSubscriber(CreateSubscriberRequest(
                participantId: "bob", publisherParticipantId: publisher.name, perNode: true, transportId: id))
            #expect(added.transportId == id && added.tracks.count == expected)
            try await Self.answer(added.offer, first: false, bob: bob, transportId: id, manager: manager)
            tracks = added.tracks
        }
        #expect(tracks.map(\.mid) == ["0", "1", "2", "3", "4", "5"])
        #expect(tracks.map(\.participantId) == ["alice", "alice", "carol", "carol", "dave", "dave"])
        for publisher in [alice, carol, dave] {
            try await Self.videoArrives(from: publisher, tracks: tracks, bob: bob, media: bobMedia, sequence: &sequence)
        }
        #expect(await manager.transportCount == 4)  // three publishers, one subscriber connection

        // Carol and Dave leave the connection in one batched request (one
        // re-offer): their m-lines go idle, Alice keeps flowing.
        let removed = try await manager.removeSubscription(
            RemoveSubscriptionRequest(transportId: id, publishers: [carol.name, dave.name], participantId: "bob", reoffer: nil))
        #expect(removed.removed == [carol.name, dave.name] && removed.closed != true)
        let offer = try #require(removed.offer)
        #expect(offer.contains("a=inactive"))
        try await Self.answer(offer, first: false, bob: bob, transportId: id, manager: manager)
        tracks = removed.tracks
        #expect(tracks.map(\.mid) == ["0", "1"])
        #expect(try await onLoop(bob) { bob.remoteTracks.map(\.mid) } == ["0", "1"])
        try await Self.videoArrives(from: alice, tracks: tracks, bob: bob, media: bobMedia, sequence: &sequence)

        // Dave again: his tracks reuse idle m-lines; the SDP does not grow.
        let again = try await manager.createSubscriber(CreateSubscriberRequest(
            participantId: "bob", publisherParticipantId: "dave", perNode: true, transportId: id))
        #expect(Self.highestMid(again.offer) == 5)
        #expect(again.tracks.count == 4 && Set(again.tracks.map(\.mid)).isSubset(of: ["0", "1", "2", "3", "4", "5"]))
        try await Self.answer(again.offer, first: false, bob: bob, transportId: id, manager: manager)
        try await Self.videoArrives(from: dave, tracks: again.tracks, bob: bob, media: bobMedia, sequence: &sequence)

        // Dave's publisher closes: bob's connection stays (no subscription-closed); a re-offer idles his m-lines.
        _ = try await manager.close(transportId: dave.reply.transportId)
        #expect(!events.withLockedValue { $0 }.contains { $0.transportId == id })
        let mirrored = try await manager.renegotiateSubscriber(RenegotiateSubscriberRequest(transportId: id))
        #expect(mirrored.tracks.map(\.mid) == ["0", "1"])
        try await Self.answer(mirrored.offer, first: false, bob: bob, transportId: id, manager: manager)
        try await Self.videoArrives(from: alice, tracks: mirrored.tracks, bob: bob, media: bobMedia, sequence: &sequence)

        // Removing the last publisher closes the connection.
        let last = try await manager.removeSubscription(RemoveSubscriptionRequest(transportId: id, publisherParticipantId: "alice"))
        #expect(last.offer == nil)
        #expect(events.withLockedValue { $0 }.contains { $0.transportId == id && $0.reason == "closed_by_request" })
        await #expect(throws: SFUControlError.unknownTransport(id)) {
            _ = try await manager.createSubscriber(CreateSubscriberRequest(
                participantId: "bob", publisherParticipantId: "carol", perNode: true, transportId: id))
        }

        await manager.closeAll()
        for socket in [alice.socket, carol.socket, dave.socket, bobSocket, serverSocket] { try await socket.close() }
    }

    @Test("a node connection is only its owner's, and a per-publisher transport cannot be added to")
    func refusals() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        let legacy = harness.subscription.transportId
        await #expect(throws: SFUControlError.unknownTransport(legacy)) {
            _ = try await harness.manager.createSubscriber(CreateSubscriberRequest(
                participantId: "bob", publisherParticipantId: "alice", perNode: true, transportId: legacy))
        }
        await #expect(throws: SFUControlError.unknownTransport(legacy)) {
            _ = try await harness.manager.removeSubscription(
                RemoveSubscriptionRequest(transportId: legacy, publisherParticipantId: "alice"))
        }
        let node = try await harness.manager.createSubscriber(
            CreateSubscriberRequest(participantId: "carol", publisherParticipantId: "alice", perNode: true))
        await #expect(throws: SFUControlError.unknownTransport(node.transportId)) {
            _ = try await harness.manager.createSubscriber(CreateSubscriberRequest(
                participantId: "mallory", publisherParticipantId: "alice", perNode: true, transportId: node.transportId))
        }
        // Nor can someone else take a publisher off it; its owner can.
        await #expect(throws: SFUControlError.unknownTransport(node.transportId)) {
            _ = try await harness.manager.removeSubscription(RemoveSubscriptionRequest(
                transportId: node.transportId, publisherParticipantId: "alice", participantId: "mallory"))
        }
        // A batch longer than the bound is refused whole.
        let tooMany = (0...RemoveSubscriptionRequest.maximumBatch).map { "p\($0)" } + ["alice"]
        await #expect(throws: SFUControlError.self) {
            _ = try await harness.manager.removeSubscription(RemoveSubscriptionRequest(
                transportId: node.transportId, publishers: tooMany, participantId: "carol", reoffer: false))
        }
        let removed = try await harness.manager.removeSubscription(RemoveSubscriptionRequest(
            transportId: node.transportId, publisherParticipantId: "alice", participantId: "carol"))
        #expect(removed.offer == nil && removed.removed == nil)
        try await harness.shutdown()
    }
}
