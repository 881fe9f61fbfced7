import Foundation
import MeetDTLS
@testable import MeetRTC
import MeetSTUN
import NIOCore
import Testing

/// Renegotiation and ICE restart on established connections, our client
/// against our server over loopback UDP (RFC 8829 §5.2.2, §5.3.2;
/// RFC 8839 §4.4.1.1.1). DTLS and SRTP must survive every step.
@Suite("PeerConnection renegotiation (loopback)", .serialized)
struct RenegotiationLoopbackTests {
    /// Sends `count` RTP packets with `ssrc` from `connection`, sequence
    /// numbers from `first` (SRTP's replay check drops a repeated one).
    func send(_ count: Int, from connection: PeerConnection, ssrc: UInt32, payloadType: UInt8 = 96, marker: UInt8, first: Int = 0) async throws {
        try await onLoop(connection) {
            for sequence in first..<(first + count) {
                connection.sendRTP(rtpPacket(payloadType: payloadType, sequence: UInt16(sequence), timestamp: 0, ssrc: ssrc, payload: [marker]))
            }
        }
    }

    func received(_ recorder: MediaRecorder, on connection: PeerConnection, mid: String) async throws -> Int {
        try await onLoop(connection) { recorder.rtp.filter { $0.mid == mid }.count }
    }

    @Test("a client adds a video section mid-call: new remote track on the server, media flows on it both ways")
    func addTrack() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (client, server) = (pair.client, pair.server)
        let before = try await onLoop(client) { client.localTracks }
        let serverBefore = try await onLoop(server) { server.localTracks }
        let dtlsBefore = try await onLoop(server) { server.stats.counters.dtlsIn }

        let offer = try await client.createReoffer(kinds: [.audio, .video, .video])
        #expect(offer.contains("a=group:BUNDLE 0 1 2"))
        let answer = try await server.acceptReoffer(offer)
        try await client.acceptAnswer(answer)

        let clientTracks = try await onLoop(client) { client.localTracks }
        let serverTracks = try await onLoop(server) { server.localTracks }
        #expect(clientTracks.map(\.mid) == ["0", "1", "2"])
        #expect(Array(clientTracks.prefix(2)) == before)
        #expect(Array(serverTracks.prefix(2)) == serverBefore)
        #expect(try await onLoop(server) { server.remoteTracks.map(\.mid) } == ["0", "1", "2"])
        #expect(try await onLoop(server) { pair.serverMedia.trackChanges } == [["0", "1", "2"]])
        #expect(try await onLoop(client) { client.remoteTracks.map(\.mid) } == ["0", "1", "2"])

        try await send(10, from: client, ssrc: clientTracks[2].ssrc, marker: 2)
        try await send(5, from: client, ssrc: clientTracks[1].ssrc, marker: 1)
        try await waitUntil("server received the new and the old video track") {
            let new = try await received(pair.serverMedia, on: server, mid: "2")
            let old = try await received(pair.serverMedia, on: server, mid: "1")
            return new == 10 && old == 5
        }
        try await send(7, from: server, ssrc: serverTracks[2].ssrc, marker: 3)
        try await waitUntil("client received the server's new track") {
            try await received(pair.clientMedia, on: client, mid: "2") == 7
        }
        let stats = try await onLoop(server) { server.stats }
        #expect(stats.counters.srtpErrors == 0 && stats.counters.dtlsIn == dtlsBefore)
        try await pair.close()
    }

    @Test("a client removes its video section (port 0): the server drops it and no longer delivers its SSRC")
    func removeTrack() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (client, server) = (pair.client, pair.server)
        let tracks = try await onLoop(client) { client.localTracks }

        let offer = try await client.createReoffer(kinds: [.audio])
        #expect(offer.contains("m=video 0 "))
        #expect(offer.contains("a=group:BUNDLE 0\r\n"))
        let answer = try await server.acceptReoffer(offer)
        #expect(answer.contains("m=video 0 "))
        try await client.acceptAnswer(answer)
        #expect(try await onLoop(server) { server.remoteTracks.map(\.mid) } == ["0"])
        #expect(try await onLoop(server) { pair.serverMedia.trackChanges } == [["0"]])
        #expect(try await onLoop(client) { client.localTracks.map(\.mid) } == ["0"])

        let droppedBefore = try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops[.malformedRTP, default: 0] }.get()
        // Video first, then audio: once the audio is in, the video was handled.
        try await send(6, from: client, ssrc: tracks[1].ssrc, marker: 1)
        try await send(3, from: client, ssrc: tracks[0].ssrc, payloadType: 111, marker: 0)
        try await waitUntil("server received the audio") { try await received(pair.serverMedia, on: server, mid: "0") == 3 }
        #expect(try await received(pair.serverMedia, on: server, mid: "1") == 0)
        let dropped = try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops[.malformedRTP, default: 0] }.get()
        #expect(dropped - droppedBefore == 6)
        #expect(try await onLoop(server) { server.state } == .connected)
        try await pair.close()
    }

    @Test("RFC 8839 §4.4.1.1.1: an ICE restart keeps DTLS/SRTP and media; the old ufrag is no longer routed")
    func iceRestart() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (client, server) = (pair.client, pair.server)
        let (oldUfrag, oldPassword) = try await onLoop(server) { (server.localUfrag, server.localPassword) }
        let clientUfrag = try await onLoop(client) { client.localUfrag }
        let dtlsBefore = try await onLoop(server) { server.stats.counters.dtlsIn }

        let offer = try await client.createReoffer(kinds: [.audio, .video], iceRestart: true)
        #expect(!offer.contains("a=ice-ufrag:\(clientUfrag)"))
        let answer = try await server.acceptReoffer(offer)
        let newUfrag = try await onLoop(server) { server.localUfrag }
        #expect(newUfrag != oldUfrag)
        #expect(answer.contains("a=ice-ufrag:\(newUfrag)") && !answer.contains(oldUfrag))
        try await client.acceptAnswer(answer)
        #expect(try await onLoop(client) { client.localUfrag } != clientUfrag)

        // The client's new checks succeed against the server's new credentials.
        try await waitUntil("client's restart checks answered") {
            try await onLoop(client) {
                guard case .controlling(let agent) = client.ice.agent else { return false }
                return !agent.isRestarting && agent.state == .connected
            }
        }
        let tracks = try await onLoop(client) { client.localTracks }
        let serverTracks = try await onLoop(server) { server.localTracks }
        try await send(8, from: client, ssrc: tracks[1].ssrc, marker: 1)
        try await send(4, from: server, ssrc: serverTracks[1].ssrc, marker: 2)
        try await waitUntil("media both ways after the restart") {
            let atServer = try await received(pair.serverMedia, on: server, mid: "1")
            let atClient = try await received(pair.clientMedia, on: client, mid: "1")
            return atServer == 8 && atClient == 4
        }
        let stats = try await onLoop(server) { server.stats }
        #expect(stats.counters.dtlsIn == dtlsBefore && stats.counters.srtpErrors == 0 && stats.state == "connected")
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.routes.peer(forUfrag: oldUfrag) == nil }.get())
        #expect(try await pair.serverSocket.eventLoop.submit { pair.serverSocket.routes.peer(forUfrag: newUfrag) === server }.get())

        // A check with the old credentials from a new address finds no peer.
        let stranger = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let request = STUNMessage.bindingRequest(
            username: "\(oldUfrag):\(clientUfrag)", priority: 1, role: .controlling(tieBreaker: 1), useCandidate: true)
        let bytes = ByteBuffer(bytes: request.encode(integrityKey: STUNMessage.shortTermKey(password: oldPassword), fingerprint: true))
        try await stranger.eventLoop.submit { stranger.send(bytes, to: pair.serverSocket.localAddress) }.get()
        try await waitUntil("the old ufrag is refused") {
            try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops[.unknownUfrag, default: 0] == 1 }.get()
        }
        // ...and from the connection's own address the server's agent refuses it.
        let refusedBefore = try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops[.badCredentials, default: 0] }.get()
        try await pair.clientSocket.eventLoop.submit { pair.clientSocket.send(bytes, to: pair.serverSocket.localAddress) }.get()
        try await waitUntil("the old credentials are refused on the known address") {
            try await pair.serverSocket.eventLoop.submit { pair.serverSocket.drops[.badCredentials, default: 0] == refusedBefore + 1 }.get()
        }
        try await stranger.close()
        try await pair.close()
    }

    @Test("a re-offer with another DTLS fingerprint is refused and the connection keeps working")
    func fingerprintChangeRefused() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (client, server) = (pair.client, pair.server)
        let offer = try await client.createReoffer(kinds: [.audio, .video, .video])
        let ours = LoopbackPair.configuration.dtls.certificate.fingerprint.sdpValue
        let other = try DTLSCertificate.generate().fingerprint.sdpValue
        #expect(offer.contains(ours))
        await #expect(throws: NegotiationError.self) {
            _ = try await server.acceptReoffer(offer.replacingOccurrences(of: ours, with: other))
        }
        await client.rollbackOffer()
        #expect(try await onLoop(server) { server.remoteTracks.map(\.mid) } == ["0", "1"])
        #expect(try await onLoop(server) { pair.serverMedia.trackChanges }.isEmpty)

        let tracks = try await onLoop(client) { client.localTracks }
        #expect(tracks.count == 2)
        try await send(5, from: client, ssrc: tracks[1].ssrc, marker: 1)
        try await waitUntil("media still flows") { try await received(pair.serverMedia, on: server, mid: "1") == 5 }
        // And a proper re-offer still works afterwards.
        let again = try await client.createReoffer(kinds: [.audio, .video, .video])
        try await client.acceptAnswer(try await server.acceptReoffer(again))
        #expect(try await onLoop(server) { server.remoteTracks.map(\.mid) } == ["0", "1", "2"])
        try await pair.close()
    }

    @Test("a server (subscriber transport) re-offers: a section added, one removed, then an ICE restart")
    func serverReoffers() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let offer = try await server.createOffer(kinds: [.video], direction: .sendonly)
        try await server.acceptAnswer(try await client.acceptOffer(offer, sendBack: false))
        try await pair.waitConnected()

        // Add a second video (screen share): appended as mid 1.
        let added = try await server.createReoffer(kinds: [.video, .video])
        #expect(added.contains("a=setup:passive") && added.contains("a=sendonly"))
        let addedAnswer = try await client.acceptReoffer(added)
        #expect(addedAnswer.contains("a=recvonly") && addedAnswer.contains("a=setup:active"))
        try await server.acceptAnswer(addedAnswer)
        var tracks = try await onLoop(server) { server.localTracks }
        #expect(tracks.map(\.mid) == ["0", "1"])
        #expect(try await onLoop(client) { pair.clientMedia.trackChanges } == [["0", "1"]])
        try await send(4, from: server, ssrc: tracks[1].ssrc, marker: 1)
        try await waitUntil("client received the added track") { try await received(pair.clientMedia, on: client, mid: "1") == 4 }

        // Remove the first one (mid 0) and keep the screen share.
        let removed = try await server.createReoffer(kinds: [.video], removing: ["0"])
        #expect(removed.contains("m=video 0 ") && removed.contains("a=group:BUNDLE 1\r\n"))
        try await server.acceptAnswer(try await client.acceptReoffer(removed))
        tracks = try await onLoop(server) { server.localTracks }
        #expect(tracks.map(\.mid) == ["1"])
        #expect(try await onLoop(client) { client.remoteTracks.map(\.mid) } == ["1"])

        // ICE restart from the server's side.
        let serverUfrag = try await onLoop(server) { server.localUfrag }
        let restart = try await server.createReoffer(kinds: [.video], iceRestart: true)
        try await server.acceptAnswer(try await client.acceptReoffer(restart))
        #expect(try await onLoop(server) { server.localUfrag } != serverUfrag)
        try await waitUntil("client's restart checks answered") {
            try await onLoop(client) {
                guard case .controlling(let agent) = client.ice.agent else { return false }
                return !agent.isRestarting
            }
        }
        try await send(3, from: server, ssrc: tracks[0].ssrc, marker: 2, first: 100)
        try await waitUntil("media after the restart") { try await received(pair.clientMedia, on: client, mid: "1") == 7 }
        #expect(try await onLoop(client) { client.stats.counters.srtpErrors } == 0)
        try await pair.close()
    }

    @Test("a server (per-node subscriber connection) idles a section, then reuses its m-line for a new track")
    func serverReusesSection() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let offer = try await server.createOffer(kinds: [.audio, .video], direction: .sendonly)
        try await server.acceptAnswer(try await client.acceptOffer(offer, sendBack: false))
        try await pair.waitConnected()
        let first = try await onLoop(server) { server.localTracks }
        try await send(2, from: server, ssrc: first[1].ssrc, marker: 1)
        try await waitUntil("client received the first video") { try await received(pair.clientMedia, on: client, mid: "1") == 2 }

        // The video's publisher goes: its m-line stays, inactive and bundled.
        let idle = try await server.createReoffer(changes: ["1": .deactivate], appending: [])
        #expect(idle.contains("a=inactive") && idle.contains("a=group:BUNDLE 0 1\r\n"))
        try await server.acceptAnswer(try await client.acceptReoffer(idle))
        #expect(try await onLoop(server) { server.localTracks.map(\.mid) } == ["0"])
        #expect(try await onLoop(client) { client.remoteTracks.map(\.mid) } == ["0"])

        // Another publisher's video takes the same m-line, with a new SSRC; no section is added.
        let reused = try await server.createReoffer(changes: ["1": .reactivate], appending: [])
        #expect(!reused.contains("a=inactive") && !reused.contains("a=mid:2"))
        try await server.acceptAnswer(try await client.acceptReoffer(reused))
        let second = try await onLoop(server) { server.localTracks }
        #expect(second.map(\.mid) == ["0", "1"] && second[1].ssrc != first[1].ssrc)
        #expect(try await onLoop(client) { client.remoteTracks.first { $0.mid == "1" }?.ssrcs } == [second[1].ssrc])
        try await send(3, from: server, ssrc: second[1].ssrc, marker: 2, first: 100)
        try await waitUntil("client received the new track on the reused m-line") {
            try await received(pair.clientMedia, on: client, mid: "1") == 5
        }
        #expect(try await onLoop(client) { client.stats.counters.srtpErrors } == 0)
        try await pair.close()
    }
}
