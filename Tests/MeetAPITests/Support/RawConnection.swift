import NIOCore
import NIOPosix

/// A plain TCP connection to a live meet-api, for what the HTTP test client
/// cannot do: send a request a few bytes at a time, stop half-way, and see
/// whether the server closed the connection. Whatever the server sends is
/// read and dropped; its end of file closes the channel.
struct RawConnection {
    let channel: any Channel

    static func open(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func close() {
        self.channel.close(promise: nil)
    }

    /// Whether the connection is closed (by the server, as far as these tests go).
    var isClosed: Bool { !self.channel.isActive }

    /// Waits until the server closes the connection, or `timeout` passes;
    /// `true` when it closed. While waiting, `trickle` (if given) is sent
    /// every 100 ms, like a slow client that keeps its request alive.
    func waitForClose(timeout: Duration, trickle: String? = nil) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.isClosed { return true }
            if let trickle { try? await self.send(trickle) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return self.isClosed
    }
}
