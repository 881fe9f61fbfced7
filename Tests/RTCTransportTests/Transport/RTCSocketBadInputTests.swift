import MeetSRTP
import MeetSTUN
import NIOCore
import NIOPosix
import Testing
@testable import MeetRTC

/// A plain UDP socket that sends whatever a test wants to a media port.
struct RawSender {
    let channel: any Channel

    static func make() async throws -> RawSender {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        return RawSender(channel: channel)
    }

    func send(_ bytes: [UInt8], to address: SocketAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)))
    }
}

/// Hostile and broken input on the media port: dropped, counted, no route
/// created, no crash.
@Suite("RTCSocket bad input", .serialized)
struct RTCSocketBadInputTests {
    func drops(_ socket: RTCSocket) async throws -> [DropReason: Int] {
        try await socket.eventLoop.submit { socket.drops }.get()
    }

    func totalDrops(_ socket: RTCSocket) async throws -> Int {
        try await drops(socket).values.reduce(0, +)
    }

    @Test("random and truncated datagrams from an unknown address are all dropped and counted")
    func randomDatagrams() async throws {
        let pair = try await LoopbackPair()
        _ = try await pair.server.acceptOffer(try await pair.client.createOffer(kinds: [.video]), sendBack: true)
        let sender = try await RawSender.make()
        var generator = SystemRandomNumberGenerator()
        let count = 500
        for index in 0..<count {
            let length = Int.random(in: 0...300, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Make every class appear: STUN-, DTLS- and RTP-looking first bytes.
            if !bytes.isEmpty { bytes[0] = [0x00, 0x01, 22, 23, 0x80, 0x90, 0xFF][index % 7] }
            if index % 7 == 0, bytes.count >= 8 {
                // A STUN header with the magic cookie but a lying length.
                bytes.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
            }
            try await sender.send(bytes, to: pair.serverSocket.localAddress)
        }
        try await waitUntil("\(count) drops counted") { try await totalDrops(pair.serverSocket) == count }
        let counted = try await drops(pair.serverSocket)
        #expect(counted[.unknownAddress, default: 0] > 0)
        #expect(counted[.malformedSTUN, default: 0] > 0)
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.routes.addressCount }.get() == 0)
        #expect(try await onLoop(pair.server) { pair.server.state } == .new)
        try await sender.channel.close()
        try await pair.close()
    }

    @Test("a Binding request with the wrong password creates no route; the right one does")
    func wrongCredentials() async throws {
        let pair = try await LoopbackPair()
        let offer = try await pair.client.createOffer(kinds: [.audio])
        _ = try await pair.server.acceptOffer(offer, sendBack: true)
        let clientUfrag = pair.client.localUfrag
        let username = "\(pair.server.localUfrag):\(clientUfrag)"
        let sender = try await RawSender.make()
        let request = STUNMessage.bindingRequest(username: username, priority: 1, role: .controlling(tieBreaker: 1), useCandidate: true)

        let forged = request.encode(integrityKey: STUNMessage.shortTermKey(password: "not-the-password-at-all"), fingerprint: true)
        try await sender.send(forged, to: pair.serverSocket.localAddress)
        // DTLS from the same, still unvalidated, address.
        try await sender.send([22, 0xFE, 0xFD] + Array(repeating: 0, count: 20), to: pair.serverSocket.localAddress)
        try await waitUntil("two drops") { try await totalDrops(pair.serverSocket) == 2 }
        var counted = try await drops(pair.serverSocket)
        #expect(counted[.badCredentials] == 1)
        #expect(counted[.unknownAddress] == 1)
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.routes.addressCount }.get() == 0)

        let genuine = request.encode(integrityKey: STUNMessage.shortTermKey(password: pair.server.localPassword), fingerprint: true)
        try await sender.send(genuine, to: pair.serverSocket.localAddress)
        try await waitUntil("address bound") {
            try await pair.serverSocket.eventLoop.submit { pair.serverSocket.routes.addressCount }.get() == 1
        }
        // Media from the now validated address before DTLS: dropped.
        try await sender.send(Array(rtpPacket(payloadType: 111, sequence: 1, timestamp: 1, ssrc: 5, payload: [0]).readableBytesView),
                              to: pair.serverSocket.localAddress)
        try await waitUntil("media dropped") { try await totalDrops(pair.serverSocket) == 3 }
        counted = try await drops(pair.serverSocket)
        #expect(counted[.beforeDTLS] == 1)
        #expect(try await onLoop(pair.server) { pair.server.stats.stages.iceConnected })
        try await sender.channel.close()
        try await pair.close()
    }

    @Test("a replayed SRTP packet is dropped and counted; the original is delivered once")
    func replayedSRTP() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect(kinds: [.video])
        let client = pair.client
        let ssrc = try await onLoop(client) { client.localTracks[0].ssrc }
        try await onLoop(client) {
            var packet = rtpPacket(payloadType: 96, sequence: 42, timestamp: 1, ssrc: ssrc, payload: [1, 2, 3])
            try client.srtp!.outbound.protectRTP(&packet)
            let address = client.selectedAddress!
            client.socket.send(packet, to: address)
            client.socket.send(packet, to: address)
        }
        try await waitUntil("replay counted") { try await drops(pair.serverSocket)[.srtpUnprotect] == 1 }
        #expect(try await onLoop(pair.server) { pair.serverMedia.rtp.count } == 1)
        #expect(try await onLoop(pair.server) { pair.server.stats.counters.srtpErrors } == 1)
        try await pair.close()
    }
}
