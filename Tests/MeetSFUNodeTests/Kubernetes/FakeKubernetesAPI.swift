import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A TEST DOUBLE of the Kubernetes API server (an external API): plain
/// HTTP/1.1 on loopback, records every request (method, path, headers,
/// body) and answers each with the status the test chose, or not at all
/// (`.silent`, for timeouts). It knows nothing of Kubernetes beyond what the
/// deletion-cost client sends; the real server's behaviour (RBAC, merge
/// semantics, TLS) is only proven on a cluster (docs/deploy.md).
final class FakeKubernetesAPI: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    enum Answer: Sendable {
        case status(Int, String)
        case silent
    }

    private let channel: any Channel
    private let state: NIOLockedValueBox<(requests: [Request], answer: Answer)>

    var port: Int { channel.localAddress?.port ?? 0 }
    var requests: [Request] { state.withLockedValue { $0.requests } }

    func answer(_ answer: Answer) {
        state.withLockedValue { $0.answer = answer }
    }

    static func start(group: any EventLoopGroup) async throws -> FakeKubernetesAPI {
        let state = NIOLockedValueBox<(requests: [Request], answer: Answer)>(([], .status(200, "{}")))
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeKubernetesAPI(channel: channel, state: state)
    }

    private init(channel: any Channel, state: NIOLockedValueBox<(requests: [Request], answer: Answer)>) {
        self.channel = channel
        self.state = state
    }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<(requests: [Request], answer: Answer)>
        var head: HTTPRequestHead?
        var body = ""

        init(state: NIOLockedValueBox<(requests: [Request], answer: Answer)>) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let request = Request(method: head.method.rawValue, path: head.uri, headers: headers, body: body)
                let answer = state.withLockedValue { state in
                    state.requests.append(request)
                    return state.answer
                }
                guard case .status(let code, let text) = answer else { return }
                var response = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code))
                response.headers.add(name: "Content-Length", value: "\(text.utf8.count)")
                response.headers.add(name: "Content-Type", value: "application/json")
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
