@testable import MeetRTC
import NIOCore
import NIOPosix
import Testing

/// The race the shared address table closes: the owner validates an
/// address, queues the `learn` task on the socket the request came through,
/// and answers; the client's next datagram can reach that socket before the
/// task runs (NIO runs a loop's reads before its tasks). A miss in the
/// socket's own table then finds the owner in the group's.
@Suite("RTCSocketGroup: a datagram that overtakes the learn task still finds its owner")
struct SocketGroupHandOffTests {
    @Test("a miss before the learn task runs finds the owner; forget clears it everywhere")
    func missBeforeLearnTask() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let group = try await RTCSocketGroup.bind(host: "127.0.0.1", port: 0, loops: loops.makeIterator().map { $0 })
        try #require(group.sockets.count == 2)
        let socket = group.sockets[0]
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
        let key = try #require(UDPAddressKey(address))

        // On socket 0's loop, so the learn task queued for it cannot run in between.
        let (before, found, after) = try await socket.eventLoop.submit { () -> (Int?, Bool, Int?) in
            group.learn(address, ownedBy: 1, at: 0)
            let before = socket.handOff.forwards[key]
            let found = socket.learnOwnerOnMiss(key)
            return (before, found, socket.handOff.forwards[key])
        }.get()
        #expect(before == nil, "the learn task has not run yet")
        #expect(found && after == 1)

        // An address nobody validated is not found (and costs only the look-up).
        let stranger = try #require(UDPAddressKey(try SocketAddress(ipAddress: "127.0.0.1", port: 40_001)))
        #expect(try await socket.eventLoop.submit { socket.learnOwnerOnMiss(stranger) }.get() == false)

        group.forget([address], ownedBy: 1)
        #expect(group.owner(ofAddress: key) == nil)
        try await group.close()
        try await loops.shutdownGracefully()
    }

    @Test("a fixed port another socket holds is refused, not silently shared through SO_REUSEPORT")
    func fixedPortConflictFailsLoudly() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let first = try await RTCSocketGroup.bind(host: "127.0.0.1", port: 0, loops: loops.makeIterator().map { $0 })
        let port = try #require(first.localAddress.port)
        await #expect(throws: IOError.self) {
            _ = try await RTCSocketGroup.bind(host: "127.0.0.1", port: port, loops: loops.makeIterator().map { $0 })
        }
        try await first.close()
        // Free again: a group binds it.
        let second = try await RTCSocketGroup.bind(host: "127.0.0.1", port: port, loops: loops.makeIterator().map { $0 })
        #expect(second.localAddress.port == port)
        try await second.close()
        try await loops.shutdownGracefully()
    }
}
