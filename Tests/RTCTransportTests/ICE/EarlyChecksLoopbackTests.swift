@testable import MeetRTC
import MeetSTUN
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A server that offers (the node's subscriber transports) answers
/// connectivity checks from the moment its offer is out: a WebRTC client
/// checks as soon as it has set its answer, before that answer has reached
/// the server (ICETransport+EarlyChecks.swift, with DTLSTransport).
@Suite("PeerConnection: checks before the answer (loopback)", .serialized)
struct EarlyChecksLoopbackTests {
    /// A UDP socket that records what comes back.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let received = NIOLockedValueBox<[[UInt8]]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            received.withLockedValue { $0.append(bytes) }
        }
    }

    @Test("a Binding request sent before the answer is applied gets a success response")
    func bindingBeforeAnswer() async throws {
        let pair = try await LoopbackPair()
        _ = try await pair.server.createOffer(kinds: [.video], direction: .sendonly)
        let collector = Collector()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .bind(host: "127.0.0.1", port: 0).get()
        // USERNAME "ours:theirs" where "theirs" is not known to the server yet.
        let request = STUNMessage.bindingRequest(
            username: "\(pair.server.localUfrag):earlyClient", priority: 1, role: .controlling(tieBreaker: 7), useCandidate: true)
        let bytes = request.encode(integrityKey: STUNMessage.shortTermKey(password: pair.server.localPassword), fingerprint: true)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: pair.serverSocket.localAddress, data: ByteBuffer(bytes: bytes)))
        try await waitUntil("a response") { !collector.received.withLockedValue { $0 }.isEmpty }
        let response = try STUNMessage(parsing: ByteBuffer(bytes: try #require(collector.received.withLockedValue { $0 }.first)))
        #expect(response.type == .bindingSuccess)
        #expect(response.transactionID == request.transactionID)
        #expect(response.isIntegrityValid(key: STUNMessage.shortTermKey(password: pair.server.localPassword)))
        let drops = try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops }.get()
        #expect(drops[.unknownUfrag] == nil)
        try await channel.close()
        try await pair.close()
    }

    @Test("a client checking before its answer arrives connects ICE early, then DTLS and media once the answer is applied")
    func clientConnectsBeforeAnswer() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let offer = try await server.createOffer(kinds: [.video], direction: .sendonly)
        // The client starts its checks here, as browsers do on setLocalDescription(answer).
        let answer = try await client.acceptOffer(offer, sendBack: false)
        try await waitUntil("the client's ICE connected before the server saw the answer") {
            try await onLoop(client) { client.stats.stages.iceConnected }
        }
        #expect(try await onLoop(server) { server.stats.stages.iceConnected && server.state == .iceConnected })
        try await server.acceptAnswer(answer)
        try await pair.waitConnected()
        let ssrc = try await onLoop(server) { server.localTracks[0].ssrc }
        try await onLoop(server) {
            server.sendRTP(rtpPacket(payloadType: 96, sequence: 1, timestamp: 0, ssrc: ssrc, payload: [4]))
        }
        try await waitUntil("the client received media") { try await onLoop(client) { pair.clientMedia.rtp.count == 1 } }
        let drops = try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops }.get()
        #expect(drops[.unknownUfrag] == nil)
        try await pair.close()
    }

    @Test("a server offer that is never answered holds its ufrag until closed, then routes nothing; a late answer is refused")
    func unansweredOfferCloses() async throws {
        let pair = try await LoopbackPair()
        let offer = try await pair.server.createOffer(kinds: [.audio], direction: .sendonly)
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount }.get() == 1)
        await pair.server.closeAsync(reason: "test")
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount }.get() == 0)
        let answer = try await pair.client.acceptOffer(offer, sendBack: false)
        await #expect(throws: NegotiationError.self) { try await pair.server.acceptAnswer(answer) }
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount }.get() == 0)
        try await pair.close()
    }
}
