import Logging
import MeetRTC
import NIOCore
import NIOPosix

/// An SFU made of MeetRTC's public API alone, on its own event-loop thread:
/// the socket path every node built on MeetRTC has (RFC 7983 demux → route
/// by address → SRTP unprotect → track lookup), then for each subscriber
/// an SSRC rewrite and `PeerConnection.sendRTP` (protect in place, send,
/// one flush per read batch). It is the baseline the node's forwarding
/// plane (`MeetSFUNode.TransportManager`) is compared with once that can be
/// driven from here (see docs/benchmarks.md).
final class ReferenceForwarder: SFUUnderTest, PeerConnectionDelegate, @unchecked Sendable {
    let name = "reference (MeetRTC PeerConnection.sendRTP)"
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let socket: RTCSocket
    let configuration: RTCConfiguration
    var loop: any EventLoop { socket.eventLoop }
    private let logger = quietLogger("bench.reference")

    // Event-loop state.
    private var publisher: PeerConnection?
    private var pending: [String: PeerConnection] = [:]
    /// Subscriber connections and the SSRC each announced.
    private var subscribers: [(connection: PeerConnection, ssrc: UInt32)] = []

    init() async throws {
        configuration = try RTCConfiguration.generate(publicIP: "127.0.0.1")
        socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0, group: group, logger: quietLogger("bench.reference"))
    }

    func publish(offer: String) async throws -> String {
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: self, logger: logger)
        let answer = try await connection.acceptOffer(offer, sendBack: false, policy: .withoutTransportCC)
        try await loop.submit { self.publisher = connection }.get()
        return answer
    }

    func subscribe() async throws -> (id: String, offer: String) {
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: nil, logger: logger)
        let offer = try await connection.createOffer(kinds: [.video], direction: .sendonly, policy: .withoutTransportCC)
        try await loop.submit { self.pending[connection.id] = connection }.get()
        return (connection.id, offer)
    }

    func acceptSubscriberAnswer(id: String, answer: String) async throws {
        guard let connection = try await loop.submit({ self.pending.removeValue(forKey: id) }).get() else {
            throw BenchError("unknown subscriber \(id)")
        }
        try await connection.acceptAnswer(answer)
        try await loop.submit {
            guard let ssrc = connection.localTracks.first?.ssrc else { return }
            self.subscribers.append((connection, ssrc))
        }.get()
    }

    var forwardingLoop: (any EventLoop)? { loop }

    func sample() async throws -> NodeSample {
        try await ThreadProbe.sample(on: loop)
    }

    func shutdown() async throws {
        try await socket.close()
        try await group.shutdownGracefully()
    }

    // MARK: PeerConnectionDelegate (the publisher; event loop)

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        // Its subscribers have a video section only.
        guard track.kind == .video else { return }
        for subscriber in subscribers {
            var copy = packet
            copy.setInteger(subscriber.ssrc, at: copy.readerIndex + 8)
            subscriber.connection.sendRTP(copy)
        }
    }
}

/// Warnings and errors only: the benchmark's output is its table.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
