import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis, authenticated and on the right database.
///
/// No reconnect logic here: when the channel closes, this object is done and
/// ``ConnectionSupervisor`` makes a new one. Safe to use from any task: every
/// write is handed to the channel's event loop, which keeps the order.
final class RedisConnection: Sendable {
    let channel: any Channel
    var eventLoop: any EventLoop { channel.eventLoop }
    /// Completes when the channel is closed, for whatever reason.
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Opens a connection, then sends AUTH and SELECT as the configuration asks.
    /// `onPush` receives pub/sub messages (only the subscriber connection sets it).
    static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        onPush: (@Sendable (RESPValue) -> Void)? = nil,
        onReply: (@Sendable () -> Void)? = nil
    ) async throws -> RedisConnection {
        // TCP_NODELAY is an IPPROTO_TCP option (`tcpOption`). As a
        // `socketOption` it was set at SOL_SOCKET, where its number (1) is
        // SO_DEBUG, which needs CAP_NET_ADMIN: harmless as root, but every
        // connect failed with EACCES in the image (uid 10001, no capabilities),
        // so no service reached Redis there (found by scripts/test-containers).
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connectTimeout(.nanoseconds(Self.nanoseconds(configuration.connectTimeout)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try RedisChannelHandler(logger: logger, onPush: onPush, onReply: onReply)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        let connection = RedisConnection(channel: channel)
        do {
            try await connection.handshake(configuration)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private func handshake(_ configuration: RedisConfiguration) async throws {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(RedisCommand("AUTH", username, password))
            } else {
                commands.append(RedisCommand("AUTH", password))
            }
        }
        if configuration.database != 0 {
            commands.append(RedisCommand("SELECT", String(configuration.database)))
        }
        guard !commands.isEmpty else { return }
        let futures = send(commands, timeout: configuration.connectTimeout)
        for (command, future) in zip(commands, futures) {
            let reply = try await future.get()
            if case .error(let message) = reply {
                throw RedisConnectionError.handshakeFailed(command: command.name, message: message)
            }
        }
    }

    /// Writes `commands` in one flush; each future completes with its reply,
    /// or fails with ``RedisClientError/timeout(command:)`` after `timeout`.
    func send(_ commands: [RedisCommand], timeout: Duration) -> [EventLoopFuture<RESPValue>] {
        let promises = commands.map { _ in eventLoop.makePromise(of: RESPValue.self) }
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(timeout))
        for (command, promise) in zip(commands, promises) {
            Self.arm(promise, command: command.name, deadline: deadline)
        }
        send(zip(commands, promises).map { ($0, $1) })
        return promises.map(\.futureResult)
    }

    /// Writes commands whose promises the caller made (possibly before this
    /// connection existed) and already armed with a timeout.
    func send(_ requests: [(RedisCommand, EventLoopPromise<RESPValue>)]) {
        let outbound = RedisOutbound(commands: requests.map { ($0.0, Optional($0.1)) })
        channel.writeAndFlush(outbound).whenFailure { _ in
            for (_, promise) in requests { promise.fail(RedisClientError.connectionClosed) }
        }
    }

    /// Writes commands whose replies are not awaited in order (pub/sub).
    func sendWithoutReply(_ commands: [RedisCommand]) {
        channel.writeAndFlush(RedisOutbound(commands: commands.map { ($0, nil) }), promise: nil)
    }

    /// Fails every request waiting for a reply on this connection with
    /// `error` at once (``FailPendingRequests``).
    func failPending(_ error: RedisClientError) {
        channel.triggerUserOutboundEvent(FailPendingRequests(error: error), promise: nil)
    }

    func close() {
        channel.close(mode: .all, promise: nil)
    }

    /// Fails `promise` with a timeout at `deadline` unless it completed first.
    static func arm(_ promise: EventLoopPromise<RESPValue>, command: String, deadline: NIODeadline) {
        let task = promise.futureResult.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(RedisClientError.timeout(command: command))
        }
        promise.futureResult.whenComplete { _ in task.cancel() }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Why a connection could not be established.
public enum RedisConnectionError: Error, Hashable, Sendable {
    /// AUTH or SELECT was refused (wrong password, bad database index).
    case handshakeFailed(command: String, message: String)
}
