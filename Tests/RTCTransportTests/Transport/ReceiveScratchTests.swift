@testable import MeetRTC
import NIOCore
import Testing

/// Keeps every RTP buffer it is handed (a delegate may): the socket
/// unprotects into one reused scratch buffer, so a kept buffer must not see
/// later packets (copy-on-write gives the next packet fresh storage).
final class KeepingDelegate: PeerConnectionDelegate, @unchecked Sendable {
    var kept: [ByteBuffer] = []
    var states: [PeerConnectionState] = []

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        states.append(state)
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        kept.append(packet)
    }
}

@Suite("Receive scratch buffer", .serialized)
struct ReceiveScratchTests {
    @Test("RTP buffers a delegate keeps stay intact while later packets reuse the scratch buffer")
    func keptBuffersStayIntact() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let clientSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let keeper = KeepingDelegate()
        let server = PeerConnection(
            role: .server, socket: serverSocket, configuration: LoopbackPair.configuration, delegate: keeper)
        let client = PeerConnection(
            role: .client, socket: clientSocket, configuration: LoopbackPair.configuration, delegate: nil)
        let answer = try await server.acceptOffer(try await client.createOffer(kinds: [.video]), sendBack: true)
        try await client.acceptAnswer(answer)
        try await waitUntil("both sides connected") {
            let serverUp = try await onLoop(server) { server.state == .connected }
            let clientUp = try await onLoop(client) { client.state == .connected }
            return serverUp && clientUp
        }
        let ssrc = try await onLoop(client) { client.localTracks[0].ssrc }
        let count = 30
        try await onLoop(client) {
            for sequence in 0..<count {
                client.sendRTP(rtpPacket(
                    payloadType: 96, sequence: UInt16(sequence), timestamp: 0, ssrc: ssrc,
                    payload: Array(repeating: UInt8(sequence), count: 20 + sequence)))
            }
        }
        try await waitUntil("\(count) packets kept") { try await onLoop(server) { keeper.kept.count == count } }
        let kept = try await onLoop(server) { keeper.kept.map { Array($0.readableBytesView) } }
        for (sequence, bytes) in kept.enumerated() {
            #expect(bytes.count == 12 + 20 + sequence)
            #expect(bytes.dropFirst(12).allSatisfy { $0 == UInt8(sequence) })
            #expect(bytes[2] == 0 && bytes[3] == UInt8(sequence))
        }
        try await clientSocket.close()
        try await serverSocket.close()
    }
}
