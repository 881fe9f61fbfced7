import Foundation
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix

/// Where and how to send mail (meet-api's `MEET_SMTP_*`, docs/configuration.md).
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The EHLO name.
    public var clientName: String
    public var credentials: SMTPCredentials?
    /// The most one step may take: the connection, and each reply.
    public var timeout: Duration

    public init(host: String, port: Int, clientName: String = "meet", credentials: SMTPCredentials? = nil, timeout: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.clientName = clientName
        self.credentials = credentials
        self.timeout = timeout
    }
}

/// Sends one message per connection over plain TCP, driving ``SMTPSession``.
///
/// Plaintext only (no STARTTLS): meet-api hands mail to a relay it trusts —
/// on loopback, a sidecar or the cluster's mail relay — which does TLS to the
/// world (docs/operations.md, "Email"). Every step has the configured
/// timeout: the connect (`connectTimeout`), and each reply (a read idle
/// timeout that closes the connection).
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Delivers `message` (RFC 5322 text, CRLF) from `from` to `recipients`.
    public func send(message: String, from: String, to recipients: [String]) async throws(SMTPError) {
        let configuration = self.configuration
        let timedOut = NIOLockedValueBox(false)
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: self.group)
                .connectTimeout(TimeAmount(configuration.timeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: TimeAmount(configuration.timeout)))
                        try channel.pipeline.syncOperations.addHandler(IdleCloser(timedOut: timedOut))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .connectFailed(String(describing: error))
        }
        var session = SMTPSession(
            clientName: configuration.clientName, from: from, recipients: recipients, message: message,
            credentials: configuration.credentials)
        let result: Result<Void, SMTPError>
        do {
            result = try await channel.executeThenClose { inbound, outbound in
                var lines = inbound.makeAsyncIterator()
                var parser = SMTPReplyParser()
                while true {
                    guard let line = try await lines.next() else {
                        return .failure(timedOut.withLockedValue { $0 } ? .timeout(step: session.step) : .connectionClosed(step: session.step))
                    }
                    let reply: SMTPReply?
                    do throws(SMTPError) {
                        reply = try parser.feed(line)
                    } catch {
                        return .failure(error)
                    }
                    guard let reply else { continue }
                    switch session.receive(reply) {
                    case .send(let command):
                        try await outbound.write(ByteBuffer(string: command + "\r\n"))
                    case .sendData(let body):
                        try await outbound.write(ByteBuffer(string: body))
                    case .done:
                        // Delivered; QUIT is a courtesy whose answer is not needed.
                        try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
                        return .success(())
                    case .fail(let error):
                        try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
                        return .failure(error)
                    }
                }
            }
        } catch {
            result = .failure(
                timedOut.withLockedValue { $0 } ? .timeout(step: session.step) : .connectionClosed(step: session.step))
        }
        try result.get()
    }
}

/// Closes the connection when the server has said nothing for the timeout,
/// and notes that it did, so the client reports a timeout rather than a close.
final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let timedOut: NIOLockedValueBox<Bool>

    init(timedOut: NIOLockedValueBox<Bool>) {
        self.timedOut = timedOut
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            self.timedOut.withLockedValue { $0 = true }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
