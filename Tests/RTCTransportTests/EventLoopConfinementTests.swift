@testable import MeetRTC
import NIOCore
import NIOPosix
import Testing

/// The loop-confined classes of MeetRTC (``EventLoopConfined``) check the
/// loop their state belongs to: `assertOnOwningLoop()` traps in debug builds
/// exactly when `isOnOwningLoop` is false. A trap cannot be caught in
/// process, so these tests pin the predicate instead: false from a task, false
/// on another loop of the same group, true on the socket's loop, and true
/// where the connection's callbacks really run.
@Suite("EventLoopConfined: MeetRTC's loop-confined classes check their own loop")
struct EventLoopConfinementTests {
    @Test("RTCSocket, PeerConnection, ICETransport, DTLSTransport: off the loop or on another loop the check fails; on the socket's loop it holds")
    func socketAndConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0, group: group)
        let peer = PeerConnection(role: .server, socket: socket, configuration: LoopbackPair.configuration, delegate: nil)
        let other = group.makeIterator().first { $0 !== socket.eventLoop }!

        let fromTask = [socket.isOnOwningLoop, peer.isOnOwningLoop, peer.ice.isOnOwningLoop, peer.dtls.isOnOwningLoop]
        let onOtherLoop = try await other.submit {
            [socket.isOnOwningLoop, peer.isOnOwningLoop, peer.ice.isOnOwningLoop, peer.dtls.isOnOwningLoop]
        }.get()
        let onOwnLoop = try await socket.eventLoop.submit {
            [socket.isOnOwningLoop, peer.isOnOwningLoop, peer.ice.isOnOwningLoop, peer.dtls.isOnOwningLoop]
        }.get()
        #expect(fromTask == [false, false, false, false])
        #expect(onOtherLoop == [false, false, false, false])
        #expect(onOwnLoop == [true, true, true, true])
        // The transports check the connection's loop, which is the socket's.
        #expect(peer.eventLoop === socket.eventLoop && peer.ice.eventLoop === socket.eventLoop && peer.dtls.eventLoop === socket.eventLoop)

        try await socket.close()
        try await group.shutdownGracefully()
    }

    @Test("a connection's callbacks run where its check holds: every state change is on the owning loop")
    func callbacksOnOwningLoop() async throws {
        let pair = try await LoopbackPair()
        let server = LoopCheckingDelegate(), client = LoopCheckingDelegate()
        try await onLoop(pair.server) { pair.server.delegate = server }
        try await onLoop(pair.client) { pair.client.delegate = client }
        try await pair.connect(kinds: [.audio])
        let serverChecks = try await onLoop(pair.server) { server.checks }
        let clientChecks = try await onLoop(pair.client) { client.checks }
        #expect(!serverChecks.isEmpty && serverChecks.allSatisfy { $0 })
        #expect(!clientChecks.isEmpty && clientChecks.allSatisfy { $0 })
        try await pair.close()
    }
}

#if DEBUG
/// The checks themselves, in a child process (Swift Testing exit tests): a
/// call from off the owning loop traps in a debug build. (Release builds
/// compile the per-packet asserts away, hence `DEBUG`.)
@Suite("EventLoopConfined: a call from off the loop traps (debug builds)")
struct EventLoopConfinementTrapTests {
    @Test("RTCSocket: reading its drop counts off the loop traps")
    func socket() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            _ = socket.drops
        }
        #expect(trappedOffLoop(result, "RTCSocket"))
    }

    @Test("PeerConnection: reading its stats off the loop traps")
    func peerConnection() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let peer = PeerConnection(role: .server, socket: socket, configuration: LoopbackPair.configuration, delegate: nil)
            _ = peer.stats
        }
        #expect(trappedOffLoop(result, "PeerConnection"))
    }

    @Test("ICETransport: asking whether its agent runs, off the loop, traps")
    func iceTransport() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let peer = PeerConnection(role: .server, socket: socket, configuration: LoopbackPair.configuration, delegate: nil)
            _ = peer.ice.isStarted
        }
        #expect(trappedOffLoop(result, "ICETransport"))
    }

    @Test("DTLSTransport: a record handed to it off the loop traps")
    func dtlsTransport() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let peer = PeerConnection(role: .server, socket: socket, configuration: LoopbackPair.configuration, delegate: nil)
            peer.dtls.receive(ByteBuffer(bytes: [22, 0xFE, 0xFD]))
        }
        #expect(trappedOffLoop(result, "DTLSTransport"))
    }

    @Test("control: the same call on the loop does not trap")
    func onLoopDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let peer = PeerConnection(role: .server, socket: socket, configuration: LoopbackPair.configuration, delegate: nil)
            try await socket.eventLoop.submit {
                _ = socket.drops
                _ = peer.stats
                _ = peer.ice.isStarted
                peer.dtls.receive(ByteBuffer(bytes: [22, 0xFE, 0xFD]))
            }.get()
        }
    }
}

/// The child died of `type`'s confinement check, not of something else.
func trappedOffLoop(_ result: ExitTest.Result?, _ type: String) -> Bool {
    guard let result else { return false }
    return String(decoding: result.standardErrorContent, as: UTF8.self).contains("\(type) used off its event loop")
}
#endif

/// Records, for each state change, whether it arrived on the connection's owning loop.
private final class LoopCheckingDelegate: PeerConnectionDelegate, @unchecked Sendable {
    var checks: [Bool] = []

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        checks.append(connection.isOnOwningLoop)
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {}
    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {}
}
