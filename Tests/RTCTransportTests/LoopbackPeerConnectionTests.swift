import MeetDTLS
import NIOCore
import Testing
@testable import MeetRTC

/// Our own client against our own server over loopback UDP: ICE, DTLS, SRTP
/// and RTP/RTCP both ways (the third interop case of the MeetRTC issue).
@Suite("PeerConnection loopback", .serialized)
struct LoopbackPeerConnectionTests {
    @Test("client and server connect and exchange SRTP/SRTCP both ways")
    func exchangeMedia() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (client, server) = (pair.client, pair.server)

        let clientTracks = try await onLoop(client) { client.localTracks }
        let serverTracks = try await onLoop(server) { server.localTracks }
        #expect(clientTracks.map(\.kind) == [.audio, .video])
        #expect(serverTracks.map(\.kind) == [.audio, .video])
        #expect(try await onLoop(server) { server.remoteTracks.map(\.ssrcs) } == clientTracks.map { [$0.ssrc] })

        // Client → server: 20 video packets and 5 audio packets, then a PLI.
        try await onLoop(client) {
            for sequence in 0..<20 {
                client.sendRTP(rtpPacket(payloadType: 96, sequence: UInt16(sequence), timestamp: 3000 * UInt32(sequence),
                                         ssrc: clientTracks[1].ssrc, payload: [1, 2, 3, UInt8(sequence)]))
            }
            for sequence in 0..<5 {
                client.sendRTP(rtpPacket(payloadType: 111, sequence: UInt16(sequence), timestamp: 960 * UInt32(sequence),
                                         ssrc: clientTracks[0].ssrc, payload: [9, 9]))
            }
            client.sendRTCP(pliPacket(sender: clientTracks[1].ssrc, media: serverTracks[1].ssrc))
        }
        try await waitUntil("server received 25 RTP packets and the PLI") {
            try await onLoop(server) { pair.serverMedia.rtp.count == 25 && pair.serverMedia.rtcp.count == 1 }
        }
        let received = try await onLoop(server) { pair.serverMedia.rtp }
        #expect(received.filter { $0.mid == "1" }.count == 20)
        #expect(received.filter { $0.mid == "0" }.count == 5)
        #expect(received.first { $0.mid == "1" }?.bytes.suffix(4) == [1, 2, 3, 0])
        #expect(try await onLoop(server) { pair.serverMedia.rtcp[0] } == Array(pliPacket(sender: clientTracks[1].ssrc, media: serverTracks[1].ssrc).readableBytesView))

        // Server → client.
        try await onLoop(server) {
            for sequence in 0..<10 {
                server.sendRTP(rtpPacket(payloadType: 96, sequence: UInt16(sequence), timestamp: 0, ssrc: serverTracks[1].ssrc, payload: [7]))
            }
        }
        try await waitUntil("client received 10 RTP packets") {
            try await onLoop(client) { pair.clientMedia.rtp.count == 10 }
        }
        #expect(try await onLoop(client) { pair.clientMedia.rtp.allSatisfy { $0.mid == "1" } })

        // An SSRC nobody announced, with the mid header extension naming the
        // audio section: the mid wins over the (video) payload type.
        try await onLoop(client) {
            var packet = ByteBufferAllocator().buffer(capacity: 64)
            packet.writeBytes([0x90, 96, 0, 1, 0, 0, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF])  // X bit set
            packet.writeBytes([0xBE, 0xDE, 0, 1, 0x10, UInt8(ascii: "0"), 0, 0])  // id 1 (mid), 1 byte, padding
            packet.writeBytes([5, 5, 5])
            client.sendRTP(packet)
        }
        try await waitUntil("server received the unannounced SSRC") {
            try await onLoop(server) { pair.serverMedia.rtp.count == 26 }
        }
        #expect(try await onLoop(server) { pair.serverMedia.rtp.last?.mid } == "0")
        #expect(try await onLoop(server) { server.receiver.trackBySSRC[0xDEAD_BEEF] } == 0)

        let serverStats = try await onLoop(server) { server.stats }
        #expect(serverStats.stages == .init(iceConnected: true, dtlsConnected: true, srtpReady: true))
        #expect(serverStats.counters.rtpIn == 26 && serverStats.counters.rtcpIn == 1 && serverStats.counters.rtpOut == 10)
        #expect(serverStats.counters.srtpErrors == 0)
        try await pair.close()
    }

    @Test("the server offers a sendonly track (a subscriber transport); our client answers recvonly")
    func serverOffers() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let offer = try await server.createOffer(kinds: [.video], direction: .sendonly)
        #expect(offer.contains("a=ice-lite") && offer.contains("a=sendonly") && offer.contains("a=setup:actpass"))
        let answer = try await client.acceptOffer(offer, sendBack: false)
        #expect(answer.contains("a=recvonly") && answer.contains("a=setup:active") && !answer.contains("a=ice-lite"))
        try await server.acceptAnswer(answer)
        try await waitUntil("both sides connected") {
            let serverUp = try await onLoop(server) { server.state == .connected }
            let clientUp = try await onLoop(client) { client.state == .connected }
            return serverUp && clientUp
        }
        let ssrc = try await onLoop(server) { server.localTracks.map(\.ssrc) }
        #expect(ssrc.count == 1)
        #expect(try await onLoop(client) { client.remoteTracks.map(\.ssrcs) } == [ssrc])
        try await onLoop(server) {
            for sequence in 0..<5 {
                server.sendRTP(rtpPacket(payloadType: 96, sequence: UInt16(sequence), timestamp: 0, ssrc: ssrc[0], payload: [4]))
            }
        }
        try await waitUntil("client received 5 packets") { try await onLoop(client) { pair.clientMedia.rtp.count == 5 } }
        #expect(try await onLoop(server) { server.negotiator.negotiation?.dtlsRole } == .server)
        try await pair.close()
    }

    @Test("closing the client sends close_notify; the server closes and leaves the routing table")
    func closeRemovesPeer() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        #expect(pair.serverSocket.eventLoop.inEventLoop == false)
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount } .get() == 1)
        await pair.client.closeAsync(reason: "test done")
        try await waitUntil("server closed") {
            try await onLoop(pair.server) { pair.server.state.isTerminal }
        }
        #expect(try await onLoop(pair.server) { pair.server.state } == .closed(reason: "DTLS close_notify from peer"))
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount }.get() == 0)
        #expect(try await pair.clientSocket.eventLoop.submit { pair.clientSocket.peerCount }.get() == 0)
        try await pair.close()
    }

    @Test("RFC 7675: a silent peer's consent expires; the server fails at ICE and forgets it")
    func consentExpires() async throws {
        var configuration = LoopbackPair.configuration
        configuration.consentTimeout = .milliseconds(1500)
        let pair = try await LoopbackPair(serverConfiguration: configuration)
        // Negotiate without waiting for DTLS: under load the handshake may take
        // longer than the short consent timeout, and only ICE matters here.
        let offer = try await pair.client.createOffer(kinds: [.audio])
        try await pair.client.acceptAnswer(try await pair.server.acceptOffer(offer, sendBack: true))
        // The client refreshes consent every 5 s, far beyond the server's 1.5 s.
        try await waitUntil("server failed") {
            try await onLoop(pair.server) { pair.server.state.isTerminal }
        }
        let state = try await onLoop(pair.server) { pair.server.state }
        guard case .failed(let stage, _) = state else {
            Issue.record("expected a failure, got \(state)")
            return
        }
        #expect(stage == .ice)
        #expect(try await onLoop(pair.server) { pair.server.stats.stages.iceConnected })
        #expect(try await onLoop(pair.server) { pair.server.stats.failure?.hasPrefix("ICE:") } == true)
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.peerCount }.get() == 0)
        // The expiry came from the socket's timer queue (docs/dev/sfu-idle.md,
        // item 3), and the failed connection left no timer in it.
        let timers = pair.serverSocket.timers
        #expect(try await onLoop(pair.server) { timers.allocatedCount } == 0)
        #expect(try await onLoop(pair.server) { timers.isArmed } == false)
        try await pair.close()
    }
}
