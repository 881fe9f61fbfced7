import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import MeetRedis

/// The options a Redis connection sets on its socket (issue #19): the
/// image runs as uid 10001 without capabilities, where an option that needs
/// one fails every connect.
@Suite struct SocketOptionsTests {
    /// TCP_NODELAY is set at IPPROTO_TCP and SO_DEBUG (the same number at
    /// SOL_SOCKET, which needs CAP_NET_ADMIN) is not set. The tests run as
    /// root, where the wrong-level option succeeded and turned SO_DEBUG on;
    /// without the capability the connect failed with EACCES.
    @Test func noDelayIsATCPOptionAndNoPrivilegedOptionIsSet() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let connection = try await RedisConnection.connect(
            configuration: try TestRedis.configuration(), eventLoop: group.next(), logger: TestRedis.logger)
        defer { connection.close() }
        let soDebug = ChannelOptions.Types.SocketOption(
            level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_DEBUG))
        #expect(try await connection.channel.getOption(soDebug).get() == 0)
        #expect(try await connection.channel.getOption(.tcpOption(.tcp_nodelay)).get() != 0)
        #expect(try await connection.channel.getOption(.socketOption(.so_keepalive)).get() != 0)
    }
}
