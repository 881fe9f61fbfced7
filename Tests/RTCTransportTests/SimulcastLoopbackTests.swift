import MeetRTP
import NIOCore
import Testing
@testable import MeetRTC

/// Our client sending RID-based simulcast to our server over loopback UDP
/// (#16): the client offers 3 layers (`a=simulcast:send q;h;f`, no
/// `a=ssrc`), the server answers receiving them, and the server learns each
/// layer's SSRC from the RtpStreamId on its packets.
@Suite("Simulcast loopback", .serialized)
struct SimulcastLoopbackTests {
    @Test("3 layers offered, answered and told apart by RID; a server without simulcast gets one stream")
    func threeLayers() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let simulcast = MediaPolicy(simulcastLayers: 3)
        let offer = try await client.createOffer(kinds: [.video], policy: simulcast)
        #expect(offer.contains("a=simulcast:send q;h;f\r\n") && !offer.contains("a=ssrc:"))
        let answer = try await server.acceptOffer(offer, sendBack: false, policy: simulcast)
        #expect(answer.contains("a=simulcast:recv q;h;f\r\n"))
        try await client.acceptAnswer(answer)
        try await pair.waitConnected()

        let track = try #require(try await onLoop(client) { client.localTracks.first })
        #expect(track.layers.map(\.rid) == ["q", "h", "f"])
        let ids = try await onLoop(client) { client.headerExtensionIDs }
        let midID = try #require(ids.id(of: MediaPolicy.midURI)), ridID = try #require(ids.id(of: MediaPolicy.ridURI))
        try await onLoop(client) {
            for (index, layer) in track.layers.enumerated() {
                for sequence in 0..<5 {
                    var packet = RTPPacket(
                        payloadType: 96, sequenceNumber: UInt16(sequence), timestamp: 3000 * UInt32(sequence), ssrc: layer.ssrc,
                        payload: [UInt8(index), UInt8(sequence)])
                    // As libwebrtc: mid and RID on the first packets only.
                    if sequence < 2 {
                        try packet.setExtension(id: midID, value: Array(track.mid.utf8))
                        try packet.setExtension(id: ridID, value: Array(layer.rid.utf8))
                    }
                    client.sendRTP(ByteBuffer(bytes: try packet.encode()))
                }
            }
        }
        try await waitUntil("server received 15 RTP packets") { try await onLoop(server) { pair.serverMedia.rtp.count == 15 } }
        let learnt = try await onLoop(server) {
            track.layers.map { server.simulcastLayer(ofSSRC: $0.ssrc)?.rid }
        }
        #expect(learnt == ["q", "h", "f"])
        #expect(try await onLoop(server) { server.remoteTracks.first?.rids } == ["q", "h", "f"])
        try await pair.close()
    }

    @Test("an answer without a=simulcast leaves the client one stream")
    func answerWithoutSimulcast() async throws {
        let pair = try await LoopbackPair()
        let (client, server) = (pair.client, pair.server)
        let offer = try await client.createOffer(kinds: [.video], policy: MediaPolicy(simulcastLayers: 2))
        #expect(offer.contains("a=simulcast:send q;f\r\n"))
        let answer = try await server.acceptOffer(offer, sendBack: false)
        #expect(!answer.contains("a=simulcast"))
        try await client.acceptAnswer(answer)
        #expect(try await onLoop(client) { client.localTracks.first?.layers } == [])
        try await pair.close()
    }
}
