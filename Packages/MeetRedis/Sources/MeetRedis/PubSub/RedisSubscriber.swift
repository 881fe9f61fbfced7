public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle

/// The dedicated pub/sub connection (a subscribed RESP2 connection can run
/// nothing but (P)SUBSCRIBE/(P)UNSUBSCRIBE/PING, so it cannot be shared with
/// ``RedisClient``).
///
/// Each ``subscribe(to:)`` returns its own ``RedisSubscription``, an
/// `AsyncSequence` of messages; ``RedisSubscription/cancel()`` (or
/// cancelling the task that iterates it) withdraws it. After a
/// reconnect everything still subscribed is subscribed again, so consumers
/// see a gap (messages published while disconnected are lost, as always with
/// Redis pub/sub) but never have to subscribe again themselves.
public final class RedisSubscriber: Service, Sendable {
    private let supervisor: ConnectionSupervisor
    private let registry: SubscriptionRegistry
    private let configuration: RedisConfiguration
    private let logger: Logger
    /// Messages a slow consumer may have queued before the oldest are dropped.
    private let bufferLimit: Int
    private let liveness = SubscriberLiveness()

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        bufferLimit: Int = 65_536
    ) {
        let registry = SubscriptionRegistry()
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.bufferLimit = bufferLimit
        self.supervisor = ConnectionSupervisor(
            configuration: configuration, eventLoop: eventLoopGroup.next(), logger: logger, role: "pubsub",
            onPush: { registry.handlePush($0) })
    }

    /// Connects, re-subscribes after every reconnect, until shutdown.
    ///
    /// A reconnect counts as done (``isLive``, ``events()``) once Redis has
    /// answered a `PING` written after the re-subscribe commands: it runs a
    /// connection's commands in order, so from then on every channel is
    /// subscribed again. The connection is handed to new subscribers only
    /// after that.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.healthChecks() }
            await supervisor.run { [registry, logger, liveness, configuration] connection in
                connection.closeFuture.whenComplete { _ in liveness.lost() }
                let keys = registry.keys()
                if !keys.isEmpty {
                    logger.info("redis pub/sub re-subscribing", metadata: ["count": "\(keys.count)"])
                    connection.sendWithoutReply(Self.commands(for: keys, subscribe: true))
                }
                do {
                    _ = try await connection.send([RedisCommand("PING")], timeout: configuration.requestTimeout)[0].get()
                    liveness.restored()
                } catch {
                    // Closed, or silent (a frozen Redis accepts connections and answers
                    // nothing): start over, or the subscriptions would never count as live.
                    logger.warning("redis pub/sub re-subscribe not confirmed; reconnecting", metadata: ["error": "\(error)"])
                    connection.close()
                }
            }
            group.cancelAll()
        }
        liveness.finish()
        registry.finishAll()
    }

    /// Whether the connection is up and every subscription confirmed: a
    /// message published now reaches every subscriber of this process.
    public var isLive: Bool { liveness.isLive }

    /// Each loss of the connection and each restoration (with how long it
    /// was down), from now on until shutdown; the first connection is not
    /// an event.
    public func events() -> AsyncStream<PubSubEvent> {
        liveness.events()
    }

    /// A subscribed connection only ever receives, so a peer that vanished
    /// without a FIN (network partition, VM frozen) or a Redis that hangs
    /// (SIGSTOP, stuck) would go unnoticed and subscriptions would silently
    /// stop. A PING every ``RedisConfiguration/pubSubPingInterval`` (1 s;
    /// answered `["pong", ""]` in subscribed mode, in order like any reply)
    /// that gets no answer within ``RedisConfiguration/pubSubPingTimeout``
    /// closes the connection: the loss is reported at once (``events()``,
    /// ``isLive``), and the supervisor reconnects and re-subscribes, after
    /// which ``PubSubEvent/restored(after:)`` lets the owners of what was
    /// missed catch up. (It was a PING every 15 s with the 5 s request
    /// timeout: a freeze shorter than that went unreported, and what was
    /// published meanwhile was missed without anyone knowing.)
    private func healthChecks() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.pubSubPingInterval) } catch { return }
            guard let connection = try? await supervisor.connection().get() else { continue }
            do {
                _ = try await connection.send([RedisCommand("PING")], timeout: configuration.pubSubPingTimeout)[0].get()
            } catch {
                logger.warning("redis pub/sub health check failed; reconnecting", metadata: ["error": "\(error)"])
                connection.close()
            }
        }
    }

    /// Ends every subscription and closes the connection.
    public func shutdown() {
        supervisor.shutdown()
        liveness.finish()
        registry.finishAll()
    }

    /// Subscribes to one channel; returns once Redis has confirmed it, so a
    /// message published afterwards is delivered.
    public func subscribe(to channel: String) async throws -> RedisSubscription {
        try await subscribe(SubscriptionKey(kind: .channel, name: channel))
    }

    /// Subscribes to a glob pattern (`room:*`); messages carry the pattern.
    public func subscribe(toPattern pattern: String) async throws -> RedisSubscription {
        try await subscribe(SubscriptionKey(kind: .pattern, name: pattern))
    }

    private func subscribe(_ key: SubscriptionKey) async throws -> RedisSubscription {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RedisMessage.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        let eventLoop = supervisor.eventLoop
        let (id, isFirst, confirmed) = registry.add(key, continuation, eventLoop: eventLoop)
        continuation.onTermination = { [registry, supervisor] _ in
            guard registry.remove(key, id: id) else { return }
            supervisor.connection().whenSuccess { connection in
                connection.sendWithoutReply([RedisCommand(key.unsubscribeCommand, key.name)])
            }
        }
        if isFirst {
            // If no connection is up yet, the re-subscribe on connect covers this key.
            supervisor.connection().whenSuccess { connection in
                connection.sendWithoutReply([RedisCommand(key.subscribeCommand, key.name)])
            }
        }
        let waiter = eventLoop.makePromise(of: Void.self)
        confirmed.cascade(to: waiter)
        let timeout = eventLoop.scheduleTask(in: .nanoseconds(RedisConnection.nanoseconds(configuration.requestTimeout))) {
            waiter.fail(RedisClientError.timeout(command: key.subscribeCommand))
        }
        do {
            try await waiter.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            continuation.finish()
            throw error
        }
        return RedisSubscription(stream: stream, continuation: continuation)
    }

    private static func commands(for keys: [SubscriptionKey], subscribe: Bool) -> [RedisCommand] {
        var commands: [RedisCommand] = []
        for kind in [SubscriptionKey.Kind.channel, .pattern] {
            let names = keys.filter { $0.kind == kind }.map(\.name).sorted()
            guard let first = keys.first(where: { $0.kind == kind }), !names.isEmpty else { continue }
            commands.append(RedisCommand(subscribe ? first.subscribeCommand : first.unsubscribeCommand, names))
        }
        return commands
    }
}

/// The messages of one subscription, in the order Redis delivered them.
public struct RedisSubscription: AsyncSequence, Sendable {
    public typealias Element = RedisMessage
    private let stream: AsyncStream<RedisMessage>
    private let continuation: AsyncStream<RedisMessage>.Continuation

    init(stream: AsyncStream<RedisMessage>, continuation: AsyncStream<RedisMessage>.Continuation) {
        self.stream = stream
        self.continuation = continuation
    }

    public func makeAsyncIterator() -> AsyncStream<RedisMessage>.Iterator {
        stream.makeAsyncIterator()
    }

    /// Withdraws the subscription; iteration ends after buffered messages.
    public func cancel() {
        continuation.finish()
    }
}
