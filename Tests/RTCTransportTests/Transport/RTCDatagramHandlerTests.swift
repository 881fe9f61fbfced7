import Logging
import MeetSTUN
import NIOCore
import NIOEmbedded
import Testing

@testable import MeetRTC

/// `RTCDatagramHandler` and the socket's receive path in an embedded
/// channel: datagrams go in as `AddressedEnvelope`s with no real socket and
/// no wait, and the socket's routes, per-reason drop counts and replies are
/// read back at once.
///
/// The socket is made without its batched reader and writer (they need a
/// real descriptor, see `RTCSocket.bind`), so replies leave through the
/// channel, which is the path a platform without `sendmmsg` takes; the
/// `recvmmsg` drain is covered by `DatagramBatchReaderTests`.
@Suite("RTCDatagramHandler in an embedded channel")
struct RTCDatagramHandlerTests {
    static let remote = try! SocketAddress(ipAddress: "192.0.2.10", port: 40_000)
    static let configuration = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    /// An `RTCSocket` on `channel` with its handler installed.
    static func socket(on channel: any Channel) throws -> RTCSocket {
        let socket = RTCSocket(
            channel: channel, localAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 3478), writer: nil, reader: nil,
            logger: Logger(label: "test.rtc.socket"), metrics: RTCMetrics())
        try channel.pipeline.syncOperations.addHandler(RTCDatagramHandler(socket: socket))
        return socket
    }

    static func envelope(_ bytes: [UInt8], from address: SocketAddress = remote) -> AddressedEnvelope<ByteBuffer> {
        AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))
    }

    @Test(
        "each kind of unwanted datagram is dropped with its reason; no route, no reply",
        arguments: [
            ([UInt8](), DropReason.unclassified),
            ([0xFF, 0x00, 0x01], .unclassified),
            ([0x80], .unclassified),  // RTP range, but no second byte to tell RTP from RTCP
            ([22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 20), .unknownAddress),  // DTLS from nobody validated
            (Array(rtpPacket(payloadType: 96, sequence: 1, timestamp: 1, ssrc: 5, payload: [1]).readableBytesView), .unknownAddress),
            (Array(pliPacket(sender: 1, media: 2).readableBytesView), .unknownAddress),
            ([0x00, 0x01, 0x00], .malformedSTUN),  // a truncated STUN header
        ])
    func dropped(bytes: [UInt8], reason: DropReason) throws {
        let channel = EmbeddedChannel()
        let socket = try Self.socket(on: channel)
        try channel.writeInbound(Self.envelope(bytes))
        #expect(socket.drops == [reason: 1])
        #expect(socket.routes.addressCount == 0)
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        // The handler consumes what it reads: nothing travels further down the pipeline.
        #expect(try channel.readInbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        #expect(!socket.inReadBatch)
        #expect(try channel.finish().isClean)
    }

    @Test("a Binding request that names no registered ufrag is dropped as unknown_ufrag")
    func unknownUfrag() throws {
        let channel = EmbeddedChannel()
        let socket = try Self.socket(on: channel)
        let request = STUNMessage.bindingRequest(username: "nobody:client", priority: 1, role: .controlling(tieBreaker: 1), useCandidate: true)
        let bytes = request.encode(integrityKey: STUNMessage.shortTermKey(password: "some-password-of-22-chars"), fingerprint: true)
        try channel.writeInbound(Self.envelope(bytes))
        #expect(socket.drops == [.unknownUfrag: 1])
        #expect(socket.routes.addressCount == 0)
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
    }

    @Test("every datagram of a read batch is counted, in any mix")
    func batch() throws {
        let channel = EmbeddedChannel()
        let socket = try Self.socket(on: channel)
        // One read batch: several channelReads, then one channelReadComplete.
        for _ in 0..<3 { channel.pipeline.fireChannelRead(Self.envelope([0xFF])) }
        for _ in 0..<2 { channel.pipeline.fireChannelRead(Self.envelope([22, 0xFE, 0xFD, 0])) }
        #expect(socket.inReadBatch)
        channel.pipeline.fireChannelReadComplete()
        #expect(!socket.inReadBatch)
        #expect(socket.drops == [.unclassified: 3, .unknownAddress: 2])
    }

    @Test("a channel error (an ICMP port unreachable) is logged, not fatal: the socket keeps receiving")
    func errorKeepsTheChannel() throws {
        let channel = EmbeddedChannel()
        let socket = try Self.socket(on: channel)
        try channel.connect(to: Self.remote).wait()
        channel.pipeline.fireErrorCaught(IOError(errnoCode: 111, reason: "recvmsg"))
        // The handler consumed the error: it reaches no later handler and closes nothing.
        try channel.throwIfErrorCaught()
        #expect(channel.isActive)
        try channel.writeInbound(Self.envelope([0xFF]))
        #expect(socket.drops == [.unclassified: 1])
    }

    @Test("channel inactive is passed on to the handlers after it")
    func inactivePassedOn() throws {
        final class Inactivity: ChannelInboundHandler {
            typealias InboundIn = Never
            var seen = false
            func channelInactive(context: ChannelHandlerContext) { seen = true }
        }
        let channel = EmbeddedChannel()
        _ = try Self.socket(on: channel)
        let inactivity = Inactivity()
        try channel.pipeline.syncOperations.addHandler(inactivity)
        try channel.connect(to: Self.remote).wait()
        _ = try channel.finish()
        #expect(inactivity.seen)
    }

    /// A server peer that offered (early ICE, `ICETransport+EarlyChecks.swift`)
    /// answers a Binding request from a new address: the route is learned
    /// and the success response leaves at the end of the read batch. Runs
    /// on `NIOAsyncTestingChannel` because the peer's signaling calls hop
    /// onto the socket's event loop.
    @Test("a Binding request for a registered peer binds its address and is answered at the end of the read batch")
    func bindingRequestRoutesAndAnswers() async throws {
        let channel = NIOAsyncTestingChannel()
        let socket = try await channel.testingEventLoop.submit { try Self.socket(on: channel) }.get()
        let server = PeerConnection(role: .server, socket: socket, configuration: Self.configuration, delegate: nil)
        _ = try await server.createOffer(kinds: [.video], direction: .sendonly)
        #expect(try await channel.testingEventLoop.submit { socket.peerCount }.get() == 1)

        let request = STUNMessage.bindingRequest(
            username: "\(server.localUfrag):client", priority: 1, role: .controlling(tieBreaker: 7), useCandidate: true)
        let key = STUNMessage.shortTermKey(password: server.localPassword)
        try await channel.writeInbound(Self.envelope(request.encode(integrityKey: key, fingerprint: true)))

        let reply = try #require(try await channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(reply.remoteAddress == Self.remote)
        let response = try STUNMessage(parsing: reply.data)
        #expect(response.type == .bindingSuccess)
        #expect(response.transactionID == request.transactionID)
        #expect(response.isIntegrityValid(key: key))
        #expect(try await channel.testingEventLoop.submit { socket.routes.peer(for: Self.remote) === server }.get())

        // Media from the now bound address reaches the peer, which drops it: no DTLS yet.
        try await channel.writeInbound(
            Self.envelope(Array(rtpPacket(payloadType: 96, sequence: 1, timestamp: 1, ssrc: 5, payload: [0]).readableBytesView)))
        #expect(try await channel.testingEventLoop.submit { socket.drops }.get() == [.beforeDTLS: 1])

        // Another address is still unknown.
        let stranger = try SocketAddress(ipAddress: "192.0.2.11", port: 40_000)
        try await channel.writeInbound(Self.envelope([22, 0xFE, 0xFD, 0], from: stranger))
        #expect(try await channel.testingEventLoop.submit { socket.drops }.get() == [.beforeDTLS: 1, .unknownAddress: 1])

        await server.closeAsync(reason: "test")
        #expect(try await channel.testingEventLoop.submit { socket.peerCount }.get() == 0)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }
}
