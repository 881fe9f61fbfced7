import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The limits every TCP connection to meet-ws lives under, before and after
/// the WebSocket upgrade (docs/signaling.md "Limits").
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a new connection has to send a complete request
    /// (`MEET_WS_HANDSHAKE_TIMEOUT_SECONDS`): the server's first response
    /// bytes (101, or any HTTP answer) end the deadline. Slowloris on the
    /// upgrade is closed here.
    public var handshakeTimeout: Duration
    /// How long a socket may keep the server's writes waiting (its send
    /// buffer full because the client does not read) before it is closed
    /// (`MEET_WS_WRITE_TIMEOUT_SECONDS`).
    public var writeTimeout: Duration
    /// Open connections allowed per remote IP address
    /// (`MEET_WS_MAX_CONNECTIONS_PER_ADDRESS`, 0: no limit); beyond it a new
    /// connection is closed at once, before any byte is read.
    public var perAddress: Int

    public init(handshakeTimeout: Duration = .seconds(10), writeTimeout: Duration = .seconds(10), perAddress: Int = 0) {
        self.handshakeTimeout = handshakeTimeout
        self.writeTimeout = writeTimeout
        self.perAddress = max(0, perAddress)
    }
}

/// Open connections per remote address, bounded (sans-I/O; ``AddressLimiter`` locks it).
struct AddressCounts {
    let limit: Int
    private(set) var counts: [String: Int] = [:]

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts one more connection from `address`, unless it is at the limit.
    mutating func admit(_ address: String) -> Bool {
        let current = self.counts[address, default: 0]
        guard self.limit == 0 || current < self.limit else { return false }
        self.counts[address] = current + 1
        return true
    }

    mutating func release(_ address: String) {
        guard let current = self.counts[address] else { return }
        self.counts[address] = current > 1 ? current - 1 : nil
    }
}

/// ``AddressCounts`` shared by every connection of the server.
final class AddressLimiter: Sendable {
    private let counts: NIOLockedValueBox<AddressCounts>

    init(limit: Int) {
        self.counts = NIOLockedValueBox(AddressCounts(limit: limit))
    }

    func admit(_ address: String) -> Bool { self.counts.withLockedValue { $0.admit(address) } }
    func release(_ address: String) { self.counts.withLockedValue { $0.release(address) } }
}

/// The first handler of every connection's pipeline (it stays through the
/// WebSocket upgrade): admits the connection against the per-address
/// limit, closes it if no response went out within the handshake timeout,
/// and closes it when its writes stay blocked (the channel unwritable: the
/// client does not read) for the write timeout. Closing the channel here
/// also fails every write still waiting on it, so nothing above stays stuck.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let limits: ConnectionLimits
    private let limiter: AddressLimiter
    private let metrics: WSMetrics
    private var address: String?
    private var handshake: Scheduled<Void>?
    private var stall: Scheduled<Void>?
    private var responded = false
    private var started = false

    init(limits: ConnectionLimits, limiter: AddressLimiter, metrics: WSMetrics) {
        self.limits = limits
        self.limiter = limiter
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { _ = self.start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.start(context: context) { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stop()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !self.responded {
            self.responded = true
            self.handshake?.cancel()
            self.handshake = nil
        }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.stall?.cancel()
            self.stall = nil
        } else if self.stall == nil {
            let channel = context.channel
            let metrics = self.metrics
            self.stall = context.eventLoop.scheduleTask(in: TimeAmount(self.limits.writeTimeout)) {
                metrics.timedOut(.write)
                channel.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Admits the connection and arms the handshake deadline; false when
    /// the connection was refused (and is being closed).
    private func start(context: ChannelHandlerContext) -> Bool {
        guard !self.started else { return self.address != nil }
        self.started = true
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard self.limiter.admit(address) else {
            self.metrics.connectionRefused()
            // As for the handshake deadline: a half-close first keeps the
            // upgrade handler quiet.
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            context.close(promise: nil)
            return false
        }
        self.address = address
        let channel = context.channel
        let metrics = self.metrics
        self.handshake = context.eventLoop.scheduleTask(in: TimeAmount(self.limits.handshakeTimeout)) {
            metrics.timedOut(.handshake)
            // Told as the client's half-close first, the HTTP upgrade handler
            // gives up quietly (`inputClosed`); a bare close would be logged
            // by Hummingbird as an error for every slow connection.
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            channel.close(promise: nil)
        }
        return true
    }

    private func stop() {
        self.handshake?.cancel()
        self.handshake = nil
        self.stall?.cancel()
        self.stall = nil
        if let address = self.address {
            self.limiter.release(address)
            self.address = nil
        }
    }
}

/// A server child channel (HTTP/1 with the WebSocket upgrade) with a
/// ``ConnectionGuardHandler`` first in each connection's pipeline.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limits: ConnectionLimits
    let limiter: AddressLimiter
    let metrics: WSMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (limits, limiter, metrics) = (self.limits, self.limiter, self.metrics)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuardHandler(limits: limits, limiter: limiter, metrics: metrics), position: .first)
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.base.handle(value: value, logger: logger)
    }
}
