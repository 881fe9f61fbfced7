import NIOCore
import Testing
@testable import MeetRTC

/// The socket's `LoopTimers` with real connections over loopback UDP
/// (docs/dev/sfu-idle.md, item 3): a connected, silent server connection
/// keeps one timer (its ICE consent deadline) in its loop's queue and no NIO
/// task of its own, and closing the last connection empties the queue and
/// disarms the loop's timer.
@Suite("LoopTimers loopback", .serialized)
struct LoopTimersLoopbackTests {
    @Test("a connected connection keeps only its consent deadline; closing it leaves no timer")
    func connectedThenClosed() async throws {
        let pair = try await LoopbackPair()
        try await pair.connect()
        let (server, client) = (pair.server, pair.client)
        let (serverTimers, clientTimers) = (pair.serverSocket.timers, pair.clientSocket.timers)
        // The handshake's deadlines are cancelled once connected; consent stays.
        try await waitUntil("the server's loop holds only the consent deadline") {
            try await onLoop(server) { serverTimers.scheduledCount == 1 && serverTimers.isArmed }
        }
        // The client's controlling agent: its consent check timer.
        #expect(try await onLoop(client) { clientTimers.scheduledCount } >= 1)

        try await onLoop(server) { server.close(reason: "test") }
        try await onLoop(client) { client.close(reason: "test") }
        #expect(try await onLoop(server) { serverTimers.scheduledCount } == 0)
        #expect(try await onLoop(server) { serverTimers.allocatedCount } == 0)
        #expect(try await onLoop(server) { serverTimers.isArmed } == false)
        #expect(try await onLoop(client) { clientTimers.scheduledCount } == 0)
        #expect(try await onLoop(client) { clientTimers.isArmed } == false)
        try await pair.close()
    }
}
