@testable import MeetRTC
import NIOCore
import NIOPosix

/// Records what a `PeerConnection` delivers. Written on the connection's
/// event loop; read it through `snapshot(on:)`.
final class MediaRecorder: PeerConnectionDelegate, @unchecked Sendable {
    var states: [PeerConnectionState] = []
    var rtp: [(mid: String, bytes: [UInt8])] = []
    var rtcp: [[UInt8]] = []
    /// The mids of `remoteTracks` after each renegotiation that changed them.
    var trackChanges: [[String]] = []

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        states.append(state)
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        rtp.append((track.mid, Array(packet.readableBytesView)))
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        rtcp.append(Array(packet.readableBytesView))
    }

    func peerConnection(_ connection: PeerConnection, didChangeRemoteTracks tracks: [RemoteTrack]) {
        trackChanges.append(tracks.map(\.mid))
    }
}

/// A client and a server `PeerConnection`, each on its own loopback socket.
struct LoopbackPair {
    let serverSocket: RTCSocket
    let clientSocket: RTCSocket
    let server: PeerConnection
    let client: PeerConnection
    let serverMedia = MediaRecorder()
    let clientMedia = MediaRecorder()

    static let configuration = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    init(serverConfiguration: RTCConfiguration = Self.configuration) async throws {
        serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        clientSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        server = PeerConnection(role: .server, socket: serverSocket, configuration: serverConfiguration, delegate: serverMedia)
        client = PeerConnection(role: .client, socket: clientSocket, configuration: Self.configuration, delegate: clientMedia)
    }

    /// Offer, answer, and wait until both sides are connected.
    func connect(kinds: [MediaKind] = [.audio, .video]) async throws {
        let offer = try await client.createOffer(kinds: kinds)
        let answer = try await server.acceptOffer(offer, sendBack: true)
        try await client.acceptAnswer(answer)
        try await waitUntil("both sides connected") {
            let serverUp = try await onLoop(server) { server.state == .connected }
            let clientUp = try await onLoop(client) { client.state == .connected }
            return serverUp && clientUp
        }
    }

    /// Waits until both sides are connected.
    func waitConnected() async throws {
        try await waitUntil("both sides connected") {
            let serverUp = try await onLoop(server) { server.state == .connected }
            let clientUp = try await onLoop(client) { client.state == .connected }
            return serverUp && clientUp
        }
    }

    func close() async throws {
        try await clientSocket.close()
        try await serverSocket.close()
    }
}

/// Runs `body` on the connection's event loop.
func onLoop<T: Sendable>(_ connection: PeerConnection, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await connection.eventLoop.submit(body).get()
}

/// Polls `condition` every 20 ms; fails after a generous bound.
func waitUntil(_ what: String, within seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw LoopbackTimeout(what: what)
}

struct LoopbackTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for: \(what)" }
}

/// A minimal RTP packet (RFC 3550 §5.1): V=2, no extension, `payload` after the header.
func rtpPacket(payloadType: UInt8, sequence: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: 12 + payload.count + 32)
    buffer.writeInteger(UInt8(0x80))
    buffer.writeInteger(payloadType & 0x7F)
    buffer.writeInteger(sequence)
    buffer.writeInteger(timestamp)
    buffer.writeInteger(ssrc)
    buffer.writeBytes(payload)
    return buffer
}

/// A Picture Loss Indication (RFC 4585 §6.3.1) as a one-packet RTCP compound.
func pliPacket(sender: UInt32, media: UInt32) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: 12 + 32)
    buffer.writeInteger(UInt8(0x81))
    buffer.writeInteger(UInt8(206))
    buffer.writeInteger(UInt16(2))
    buffer.writeInteger(sender)
    buffer.writeInteger(media)
    return buffer
}
