import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import MeetMail

/// ``SMTPClient``'s socket side: every step has the timeout, a refused
/// connection is a transient failure. The full exchange against a real
/// server: Tests/e2e/test_invitation_email.py (aiosmtpd).
@Suite("SMTP client")
struct SMTPClientTests {
    /// Accepts connections and says nothing, or only a greeting.
    final class Mute: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let greeting: String?
        init(greeting: String?) { self.greeting = greeting }
        func channelActive(context: ChannelHandlerContext) {
            if let greeting { context.writeAndFlush(NIOAny(ByteBuffer(string: greeting)), promise: nil) }
        }
    }

    static func server(greeting: String?) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Mute(greeting: greeting)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test("a server that never greets, or never answers EHLO, times out naming the step", arguments: [
        (nil as String?, "greeting"), ("220 hello\r\n", "EHLO"),
    ])
    func timeouts(greeting: String?, step: String) async throws {
        let server = try await Self.server(greeting: greeting)
        defer { server.close(promise: nil) }
        let client = SMTPClient(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: server.localAddress!.port!, timeout: .seconds(3)))
        await #expect(throws: SMTPError.timeout(step: step)) {
            try await client.send(message: "x", from: "a@x.org", to: ["b@x.org"])
        }
    }

    @Test("no server: a connect failure, worth retrying")
    func refused() async throws {
        let server = try await Self.server(greeting: nil)
        let port = server.localAddress!.port!
        try await server.close()
        let client = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: port, timeout: .seconds(2)))
        do {
            try await client.send(message: "x", from: "a@x.org", to: ["b@x.org"])
            Issue.record("sent without a server")
        } catch {
            guard case .connectFailed = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.isTransient)
        }
    }
}
