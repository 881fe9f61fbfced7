import Logging
import MeetProtocol
import MeetRTCP
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import MeetRTC

import Foundation
@testable import MeetSFUNode

/// One node (`TransportManager` on a loopback socket) with a MeetRTC client
/// publishing to it and another subscribing, every leg connected. With
/// `relay`, the subscriber reaches the node through a ``LossyRelay`` that
/// can drop chosen RTP packets before they reach the subscriber's SRTP
/// (a real network loss, so a retransmission is not a replay).
final class LoopbackHarness: @unchecked Sendable {
    static let rtc = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    let serverSocket: RTCSocket
    let publisherSocket: RTCSocket
    let subscriberSocket: RTCSocket
    let manager: TransportManager
    let publisher: PeerConnection
    let subscriber: PeerConnection
    let publisherMedia = Recorder()
    let subscriberMedia = Recorder()
    let events = NIOLockedValueBox<[SFUTransportClosedEvent]>([])
    let relay: LossyRelay?
    var published: CreatePublisherReply!
    var subscription: CreateSubscriberReply!
    /// What the publisher client sends on, and what the subscriber client was offered.
    var publisherTracks: [LocalTrack] = []
    var offeredTracks: [RemoteTrack] = []

    private init(relay: Bool, migrationTimeout: Duration, receiverEstimate: Bool) async throws {
        serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        publisherSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        subscriberSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let events = self.events
        manager = TransportManager(
            socket: serverSocket, configuration: Self.rtc, logger: Logger(label: "test"), nodeId: "node-test",
            migrationTimeout: migrationTimeout, receiverEstimate: receiverEstimate, events: { event in events.withLockedValue { $0.append(event) } })
        publisher = PeerConnection(role: .client, socket: publisherSocket, configuration: Self.rtc, delegate: publisherMedia)
        subscriber = PeerConnection(role: .client, socket: subscriberSocket, configuration: Self.rtc, delegate: subscriberMedia)
        self.relay = relay ? try await LossyRelay.start(server: serverSocket.localAddress) : nil
    }

    /// Publishes `kinds` as "alice" (with `sources`) and subscribes "bob" to her.
    static func connected(
        kinds: [MeetRTC.MediaKind], sources: [String: SFUTrackSource]? = nil, relay: Bool = false,
        migrationTimeout: Duration = .seconds(10), publisherPolicy: MediaPolicy = MediaPolicy(),
        subscriberPolicy: MediaPolicy = MediaPolicy(), receiverEstimate: Bool = true
    ) async throws -> LoopbackHarness {
        let harness = try await LoopbackHarness(
            relay: relay, migrationTimeout: migrationTimeout, receiverEstimate: receiverEstimate)
        try await harness.connect(kinds: kinds, sources: sources, policy: publisherPolicy, subscriberPolicy: subscriberPolicy)
        return harness
    }

    private func connect(
        kinds: [MeetRTC.MediaKind], sources: [String: SFUTrackSource]?, policy: MediaPolicy, subscriberPolicy: MediaPolicy
    ) async throws {
        let offer = try await publisher.createOffer(kinds: kinds, policy: policy)
        published = try await manager.createPublisher(
            CreatePublisherRequest(participantId: "alice", roomId: "room-1", offer: offer, sources: sources))
        try await publisher.acceptAnswer(published.answer)
        subscription = try await manager.createSubscriber(
            CreateSubscriberRequest(participantId: "bob", publisherParticipantId: "alice"))
        var offerForSubscriber = subscription.offer
        if let relay, let serverPort = serverSocket.localAddress.port {
            offerForSubscriber = offerForSubscriber.replacingOccurrences(
                of: " \(serverPort) typ host", with: " \(relay.port) typ host")
        }
        let answer = try await subscriber.acceptOffer(offerForSubscriber, sendBack: false, policy: subscriberPolicy)
        try await manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: subscription.transportId, answer: answer))
        // Both legs up before a test sends: RTP sent earlier is dropped by the client.
        try await waitUntil("publisher and subscriber connected") {
            let publisherUp = try await onLoop(self.publisher) { self.publisher.state == .connected }
            let subscriberUp = try await onLoop(self.subscriber) { self.subscriber.state == .connected }
            return publisherUp && subscriberUp
        }
        publisherTracks = try await onLoop(publisher) { self.publisher.localTracks }
        offeredTracks = try await onLoop(subscriber) { self.subscriber.remoteTracks }
    }

    func publisherTrack(_ kind: MeetRTC.MediaKind) throws -> LocalTrack {
        try #require(publisherTracks.first { $0.kind == kind })
    }

    func offeredSSRC(_ kind: MeetRTC.MediaKind) throws -> UInt32 {
        try #require(offeredTracks.first { $0.kind == kind }?.ssrcs.first)
    }

    /// Runs `body` on the node's event loop.
    func onNode<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await serverSocket.eventLoop.submit(body).get()
    }

    /// The publisher transport on the node.
    func nodePublisher() async throws -> PublisherTransport {
        let id = published.transportId
        return try #require(try await onNode { self.manager.registry.publishers[id] })
    }

    /// Packets the subscriber got on the offered SSRC of `kind`: (sequence number, payload).
    func received(_ kind: MeetRTC.MediaKind) async throws -> [(sequence: UInt16, payload: [UInt8])] {
        let ssrc = try offeredSSRC(kind)
        return try await onLoop(subscriber) {
            self.subscriberMedia.rtp.compactMap { packet in
                let bytes = packet.bytes
                guard bytes.count >= 12, Array(bytes[8..<12]) == ForwardingLoopbackTests.bytes(ssrc) else { return nil }
                return (UInt16(bytes[2]) << 8 | UInt16(bytes[3]), Array(bytes[12...]))
            }
        }
    }

    /// Sends one RTP packet from the publisher client.
    func publish(_ kind: MeetRTC.MediaKind, sequence: UInt16, payloadType: UInt8, payload: [UInt8]) async throws {
        let ssrc = try publisherTrack(kind).ssrc
        try await onLoop(publisher) {
            self.publisher.sendRTP(ForwardingLoopbackTests.rtp(payloadType: payloadType, sequence: sequence, ssrc: ssrc, payload: payload))
        }
    }

    /// Every RTCP packet the publisher client received so far, parsed.
    func publisherRTCP() async throws -> [RTCPPacket] {
        try await onLoop(publisher) {
            self.publisherMedia.rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }
        }
    }

    /// PLIs about `ssrc` the publisher client received so far.
    func pliCount(media ssrc: UInt32) async throws -> Int {
        try await onLoop(publisher) { self.publisherMedia.rtcp.filter { ForwardingLoopbackTests.isPLI($0, media: ssrc) }.count }
    }

    func shutdown() async throws {
        await manager.closeAll()
        try await publisherSocket.close()
        try await subscriberSocket.close()
        try await serverSocket.close()
        try await relay?.close()
    }
}

/// A UDP relay between a subscriber client and the node that drops chosen
/// RTP packets from the node once (the loss a NACK repairs). RTP headers
/// are in the clear under SRTP (RFC 3711 §3.1), so it picks by SSRC and
/// counts packets without any key.
final class LossyRelay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let server: SocketAddress
    private(set) var channel: (any Channel)!
    // Event-loop state.
    private var client: SocketAddress?
    private var armedSSRC: UInt32?
    private var seen = 0
    private var dropIndexes: Set<Int> = []
    /// Sequence numbers dropped so far.
    private(set) var dropped: [UInt16] = []

    private init(server: SocketAddress) {
        self.server = server
    }

    static func start(server: SocketAddress) async throws -> LossyRelay {
        let relay = LossyRelay(server: server)
        relay.channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(relay) } }
            .bind(host: "127.0.0.1", port: 0).get()
        return relay
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    /// Drops the RTP packets of `ssrc` with these 0-based indexes, counted from now.
    func arm(ssrc: UInt32, dropIndexes: Set<Int>) async throws {
        try await channel.eventLoop.submit {
            self.armedSSRC = ssrc
            self.seen = 0
            self.dropIndexes = dropIndexes
            self.dropped = []
        }.get()
    }

    func droppedSequenceNumbers() async throws -> [UInt16] {
        try await channel.eventLoop.submit { self.dropped }.get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data
        if envelope.remoteAddress == server {
            guard let client else { return }
            let start = bytes.readerIndex
            if let armedSSRC, bytes.readableBytes >= 12,
               let first = bytes.getInteger(at: start, as: UInt8.self), (128...191).contains(first),
               let second = bytes.getInteger(at: start + 1, as: UInt8.self), !(192...223).contains(second),
               bytes.getInteger(at: start + 8, as: UInt32.self) == armedSSRC {
                let index = seen
                seen += 1
                if dropIndexes.contains(index), let sequence = bytes.getInteger(at: start + 2, as: UInt16.self) {
                    dropped.append(sequence)
                    return
                }
            }
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: bytes)), promise: nil)
        } else {
            client = envelope.remoteAddress
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: bytes)), promise: nil)
        }
    }

    func close() async throws {
        try await channel.close()
    }
}
