import Logging
import NIOCore

/// What the connection writes into its channel: one or more commands, each
/// with the promise its reply completes (`nil` for pub/sub commands, whose
/// confirmations arrive as pushes instead of FIFO replies).
struct RedisOutbound: Sendable {
    var commands: [(RedisCommand, EventLoopPromise<RESPValue>?)]
}

/// Outbound user event: fail every request waiting for a reply with
/// `error`, but keep their places in the queue, since Redis may still answer
/// them (a frozen Redis runs what was queued when it resumes) and each reply
/// must still pop its own place. Sent when the circuit breaker opens.
struct FailPendingRequests: Sendable {
    var error: RedisClientError
}

/// Errors a request can end with, apart from a Redis `-ERR` reply.
public enum RedisClientError: Error, Hashable, Sendable {
    /// No reply within the request timeout (the reply, if it comes, is dropped).
    case timeout(command: String)
    /// The connection closed before the reply arrived; the command may or may not have run.
    case connectionClosed
    /// The server sent bytes that are not RESP; the connection was closed.
    case protocolError(String)
    /// The client was shut down.
    case shutdown
    /// Redis cannot be reached right now: the last connect attempt failed
    /// (refused, timed out, or AUTH/SELECT rejected). Requests fail with this
    /// at once until a reconnect succeeds, instead of waiting out their timeout.
    case unavailable
    /// Redis answered with an error reply (`-ERR …`, `-WRONGTYPE …`, `-NOAUTH …`).
    case server(String)
    /// The reply had a shape the typed helper did not expect.
    case unexpectedReply(String)
}

/// Bytes in, replies out, in order. Each written command with a promise
/// takes a place in a FIFO queue; each reply completes the oldest place
/// (Redis answers in order on a connection, which is what makes pipelining
/// work). With `onPush` set (the pub/sub connection), `message`,
/// `pmessage` and subscription confirmations go to it instead.
///
/// Malformed input fails every pending request and closes the channel.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisOutbound
    typealias OutboundOut = ByteBuffer

    private let reader: RESPReader
    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>(initialCapacity: 64)
    private let onPush: (@Sendable (RESPValue) -> Void)?
    /// Told of every reply (not pushes): Redis is answering (``CircuitBreaker``).
    private let onReply: (@Sendable () -> Void)?
    private var closedError: RedisClientError?
    private let logger: Logger

    init(logger: Logger, onPush: (@Sendable (RESPValue) -> Void)? = nil, onReply: (@Sendable () -> Void)? = nil) throws {
        self.reader = try RESPReader()
        self.onPush = onPush
        self.onReply = onReply
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        if let closedError {
            for case let (_, reply?) in outbound.commands { reply.fail(closedError) }
            promise?.fail(closedError)
            return
        }
        var buffer = context.channel.allocator.buffer(
            capacity: outbound.commands.reduce(0) { $0 + $1.0.encodedSizeHint })
        for (command, reply) in outbound.commands {
            command.encode(into: &buffer)
            if let reply { pending.append(reply) }
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let fail = event as? FailPendingRequests else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        // Completing a promise that the late reply completes again is a no-op.
        for reply in pending { reply.fail(fail.error) }
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { try reader.feed($0) }
            while let value = try reader.next() {
                deliver(value)
            }
        } catch {
            let message: String
            if case RESPParseError.protocolError(let text) = error { message = text } else { message = "\(error)" }
            logger.error("redis protocol error, closing connection", metadata: ["error": "\(message)"])
            failAll(.protocolError(message))
            context.close(promise: nil)
        }
    }

    private func deliver(_ value: RESPValue) {
        if let onPush, Self.isPush(value) {
            onPush(value)
            return
        }
        onReply?()
        guard let promise = pending.popFirst() else {
            logger.warning("redis reply without a pending request", metadata: ["reply": "\(value)"])
            return
        }
        promise.succeed(value)
    }

    /// Pub/sub traffic in RESP2: arrays whose first element names the kind.
    private static func isPush(_ value: RESPValue) -> Bool {
        guard case .array(let items) = value, let kind = items.first?.bytes else { return false }
        switch String(decoding: kind, as: UTF8.self) {
        case "message", "pmessage", "subscribe", "psubscribe", "unsubscribe", "punsubscribe": return true
        default: return false
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("redis connection error", metadata: ["error": "\(error)"])
        failAll(.connectionClosed)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisClientError) {
        if closedError == nil { closedError = error }
        while let promise = pending.popFirst() {
            promise.fail(error)
        }
    }
}
