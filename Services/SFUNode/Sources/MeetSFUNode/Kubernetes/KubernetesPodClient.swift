import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why a PATCH of the pod did not happen.
enum KubernetesAPIError: Error, Equatable, CustomStringConvertible {
    /// The ServiceAccount token or CA could not be read.
    case credentials(String)
    /// Connecting, TLS, or the exchange failed.
    case transport(String)
    /// No complete answer within the request timeout.
    case timeout
    /// The API server answered with a status outside 2xx (body's start kept).
    case status(Int, String)

    var description: String {
        switch self {
        case .credentials(let message): "credentials: \(message)"
        case .transport(let message): "transport: \(message)"
        case .timeout: "no answer within the request timeout"
        case .status(let code, let body): "HTTP \(code): \(body)"
        }
    }
}

/// The one thing meet-sfu asks of the Kubernetes API: merge-patch its own
/// pod's annotations. A port, so the reporter is tested without a cluster.
protocol PodAnnotationPatching: Sendable {
    func patchAnnotations(_ annotations: [String: String]) async throws(KubernetesAPIError)
}

/// ``PodAnnotationPatching`` over HTTP/1.1 (TLS checked against the
/// ServiceAccount's CA): one connection per request, `Connection: close`,
/// the whole exchange bounded by ``KubernetesSettings/requestTimeout`` and
/// the answer's body read up to 16 KiB. A PATCH every ten seconds at most
/// does not need a pool; a small client keeps meet-sfu free of an HTTP
/// client library.
struct KubernetesPodClient: PodAnnotationPatching {
    static let maxBodyBytes = 16 * 1024

    let settings: KubernetesSettings
    let group: any EventLoopGroup

    /// `PATCH /api/v1/namespaces/{ns}/pods/{pod}` with a JSON merge patch of `metadata.annotations`.
    func patchAnnotations(_ annotations: [String: String]) async throws(KubernetesAPIError) {
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: ["metadata": ["annotations": annotations]], options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .transport("cannot encode the patch: \(error)")
        }
        let path = "/api/v1/namespaces/\(settings.namespace)/pods/\(settings.podName)"
        let (status, text) = try await send(method: .PATCH, path: path, contentType: "application/merge-patch+json", body: Array(body))
        guard (200..<300).contains(status) else { throw .status(status, text) }
    }

    func send(method: HTTPMethod, path: String, contentType: String, body: [UInt8]) async throws(KubernetesAPIError) -> (Int, String) {
        let token: String
        do {
            token = try String(contentsOfFile: settings.tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .credentials("cannot read the token \(settings.tokenFile): \(error)")
        }
        let tls = try makeTLS()
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        let hostHeader = settings.endpoint.host.contains(":") ? "[\(settings.endpoint.host)]" : settings.endpoint.host
        head.headers.add(name: "Host", value: "\(hostHeader):\(settings.endpoint.port)")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        head.headers.add(name: "Content-Type", value: contentType)
        head.headers.add(name: "Accept", value: "application/json")
        head.headers.add(name: "Content-Length", value: "\(body.count)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "User-Agent", value: "meet-sfu")

        let loop = group.next()
        let promise = loop.makePromise(of: (Int, String).self)
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(settings.requestTimeout / .nanoseconds(1)))) {
            promise.fail(KubernetesAPIError.timeout)
        }
        let host = settings.endpoint.host
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(settings.requestTimeout / .nanoseconds(1))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI takes names only; an IP (KUBERNETES_SERVICE_HOST) is checked against the certificate's IP SANs.
                        let name = Self.isIPAddress(host) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseHandler(promise: promise, maxBodyBytes: Self.maxBodyBytes))
                }
            }
        let connect = bootstrap.connect(host: host, port: settings.endpoint.port)
        connect.whenSuccess { channel in
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        connect.whenFailure { error in promise.fail(KubernetesAPIError.transport("\(error)")) }
        do {
            let result = try await promise.futureResult.get()
            timeout.cancel()
            return result
        } catch let error as KubernetesAPIError {
            timeout.cancel()
            throw error
        } catch {
            timeout.cancel()
            throw .transport("\(error)")
        }
    }

    private func makeTLS() throws(KubernetesAPIError) -> NIOSSLContext? {
        guard settings.endpoint.tls else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(settings.caFile)
        configuration.certificateVerification = .fullVerification
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .credentials("cannot use the CA \(settings.caFile): \(error)")
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        SFUNodeConfiguration.isIPAddress(text)
    }
}

/// Collects one HTTP response: its status and up to `maxBodyBytes` of body
/// (as text, for the error), then fulfils the promise; a connection that
/// closes or fails first fails it.
private final class ResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(Int, String)>
    private let maxBodyBytes: Int
    private var status: Int?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<(Int, String)>, maxBodyBytes: Int) {
        self.promise = promise
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var buffer):
            let room = maxBodyBytes - body.count
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { body += bytes }
        case .end:
            promise.succeed((status ?? 0, String(decoding: body.prefix(512), as: UTF8.self)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(KubernetesAPIError.transport("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(KubernetesAPIError.transport("connection closed before a complete answer"))
        context.fireChannelInactive()
    }
}
