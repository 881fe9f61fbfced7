import Logging
import MeetProtocol
@testable import MeetRTC
import NIOCore
import NIOPosix
import Testing

@testable import MeetSFUNode

/// A node with two workers (two event loops, two `SO_REUSEPORT` sockets on
/// one port) and MeetRTC clients in two rooms: each room lands on its own
/// worker, and every subscriber gets its publisher's media whichever socket
/// the kernel gives its datagrams to, including when a BPF program sends
/// every datagram of the port to one socket, so that the other worker's
/// peers are reached only through the hand-off.
@Suite("TransportWorkers: two loops behind one UDP port", .serialized)
struct WorkersLoopbackTests {
    static let rtc = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    @Test(
        "two rooms on two workers: media and feedback flow (kernel hash, all to socket 0, all to socket 1)",
        arguments: [nil, 0, 1] as [Int?])
    func twoRooms(steerTo steer: Int?) async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let sockets = try await RTCSocketGroup.bind(host: "127.0.0.1", port: 0, loops: loops.makeIterator().map { $0 })
        #expect(sockets.sockets.count == 2)
        #expect(sockets.sockets[1].localAddress.port == sockets.localAddress.port)
        if let steer { try sockets.steerAll(to: steer) }
        let workers = TransportWorkers(
            workers: sockets.sockets.map { TransportManager(socket: $0, configuration: Self.rtc, logger: Logger(label: "test")) },
            sockets: sockets)

        var rooms: [Room] = []
        for (index, name) in ["alice", "carol"].enumerated() {
            rooms.append(try await Room.connect(publisher: name, room: "room-\(index)", subscribers: 2, through: workers))
        }
        // The second room went to the idle worker; its subscribers followed their publisher.
        for (index, room) in rooms.enumerated() {
            let worker = workers.workers[index]
            #expect(await worker.holds(transportId: room.published.transportId))
            for subscription in room.subscriptions { #expect(await worker.holds(transportId: subscription.transportId)) }
        }

        for room in rooms { try await room.expectMediaAndFeedback() }

        let handedOff = try await sockets.handedOffCounts()
        if let steer {
            // Every datagram reached socket `steer`; the other worker's peers only through it.
            #expect(handedOff[steer] > 0)
            #expect(handedOff[1 - steer] == 0)
            // It learned the other worker's validated addresses.
            let socket = sockets.sockets[steer]
            #expect(try await socket.eventLoop.submit { socket.handOff.forwards.count }.get() >= 3)
        }

        // Node-wide requests reach both workers.
        #expect(try await workers.snapshot().subscribers == 4)
        #expect(try await workers.close(participantId: "carol") == 3)
        #expect(try await workers.close(transportId: rooms[0].subscriptions[0].transportId) == 1)
        await #expect(throws: SFUControlError.unknownTransport(rooms[1].published.transportId)) {
            _ = try await workers.close(transportId: rooms[1].published.transportId)
        }
        #expect(await workers.transportCount == 2)

        await workers.closeAll()
        // Closed peers leave no hand-off entries behind (the table stays bounded).
        try await waitUntil("every socket forgot the closed peers' addresses") {
            var left = 0
            for socket in sockets.sockets { left += try await socket.eventLoop.submit { socket.handOff.forwards.count }.get() }
            return left == 0
        }
        #expect(sockets.sharedAddressCount == 0, "the group's shared table forgot them too")
        for room in rooms { try await room.close() }
        try await sockets.close()
        try await loops.shutdownGracefully()
    }

    @Test("a new room goes to the least-loaded worker and stays there")
    func placement() async {
        let placement = WorkerPlacement(workers: 3)
        #expect(await placement.worker(forRoom: "a") { [0, 0, 0] } == 0)
        #expect(await placement.worker(forRoom: "b") { [5, 2, 2] } == 1)
        #expect(await placement.worker(forRoom: "a") { [9, 0, 0] } == 0)
        await placement.keep(rooms: ["b"])
        #expect(await placement.placed("a") == nil)
        #expect(await placement.placed("b") == 1)
    }

    /// One publisher client and its subscriber clients, each on its own socket.
    final class Room: Sendable {
        let publisher: PeerConnection
        let publisherMedia: Recorder
        let subscribers: [PeerConnection]
        let subscriberMedia: [Recorder]
        let published: CreatePublisherReply
        let subscriptions: [CreateSubscriberReply]
        let clientSockets: [RTCSocket]

        private init(
            publisher: PeerConnection, publisherMedia: Recorder, subscribers: [PeerConnection], subscriberMedia: [Recorder],
            published: CreatePublisherReply, subscriptions: [CreateSubscriberReply], clientSockets: [RTCSocket]
        ) {
            self.publisher = publisher
            self.publisherMedia = publisherMedia
            self.subscribers = subscribers
            self.subscriberMedia = subscriberMedia
            self.published = published
            self.subscriptions = subscriptions
            self.clientSockets = clientSockets
        }

        static func connect(publisher name: String, room: String, subscribers count: Int, through workers: TransportWorkers) async throws -> Room {
            var sockets: [RTCSocket] = []
            for _ in 0...count { sockets.append(try await RTCSocket.bind(host: "127.0.0.1", port: 0)) }
            let publisherMedia = Recorder()
            let publisher = PeerConnection(role: .client, socket: sockets[0], configuration: rtc, delegate: publisherMedia)
            let offer = try await publisher.createOffer(kinds: [.video])
            let published = try await workers.createPublisher(CreatePublisherRequest(participantId: name, roomId: room, offer: offer))
            try await publisher.acceptAnswer(published.answer)
            var subscribers: [PeerConnection] = []
            var media: [Recorder] = []
            var subscriptions: [CreateSubscriberReply] = []
            for index in 1...count {
                let recorder = Recorder()
                let subscriber = PeerConnection(role: .client, socket: sockets[index], configuration: rtc, delegate: recorder)
                let subscription = try await workers.createSubscriber(
                    CreateSubscriberRequest(participantId: "\(name)-watcher-\(index)", publisherParticipantId: name))
                let answer = try await subscriber.acceptOffer(subscription.offer, sendBack: false)
                try await workers.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: subscription.transportId, answer: answer))
                subscribers.append(subscriber)
                media.append(recorder)
                subscriptions.append(subscription)
            }
            let room = Room(
                publisher: publisher, publisherMedia: publisherMedia, subscribers: subscribers, subscriberMedia: media, published: published,
                subscriptions: subscriptions, clientSockets: sockets)
            return room
        }

        /// Video from the publisher reaches every subscriber; a subscriber's
        /// PLI reaches the publisher.
        func expectMediaAndFeedback() async throws {
            let publisher = publisher
            let ssrc = try #require(try await onLoop(publisher) { publisher.localTracks.first?.ssrc })
            var sequence: UInt16 = 0
            for (subscriber, media) in zip(subscribers, subscriberMedia) {
                try await waitUntil("a subscriber received 3 forwarded video packets") {
                    sequence &+= 1
                    let next = sequence
                    try await onLoop(publisher) {
                        publisher.sendRTP(ForwardingLoopbackTests.rtp(
                            payloadType: 96, sequence: next, ssrc: ssrc, payload: ForwardingLoopbackTests.vp8Keyframe))
                    }
                    return try await onLoop(subscriber) { media.rtp.count >= 3 }
                }
            }
            let subscriber = subscribers[0]
            let offered = try #require(try await onLoop(subscriber) { subscriber.remoteTracks.first?.ssrcs.first })
            try await onLoop(subscriber) { subscriber.sendRTCP(ForwardingLoopbackTests.pli(sender: 0x1234_5678, media: offered)) }
            let publisherMedia = publisherMedia
            try await waitUntil("the publisher received the PLI") {
                try await onLoop(publisher) { publisherMedia.rtcp.contains { ForwardingLoopbackTests.isPLI($0, media: ssrc) } }
            }
        }

        func close() async throws {
            for socket in clientSockets { try await socket.close() }
        }
    }
}
