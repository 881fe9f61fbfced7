package import Foundation
package import NIOCore
package import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request and its response over a connection of its own,
/// on SwiftNIO: all the S3 client needs (no pooling; an upload part or a
/// playback chunk is megabytes, so a connect per request costs little).
/// Bounded: the response body stops at `maxBody` bytes, and a connection
/// on which nothing is read or written for `timeout` is closed. `package`:
/// meet-sfu-bench's Janus client uses it too (Foundation's URLSession traps
/// in its task registry under concurrent async use on Linux).
package struct HTTPExchange: Sendable {
    let group: any EventLoopGroup
    let timeout: Duration
    let maxBody: Int

    package init(group: any EventLoopGroup, timeout: Duration, maxBody: Int) {
        self.group = group
        self.timeout = timeout
        self.maxBody = maxBody
    }

    package struct Response: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: Data
    }

    package func send(
        scheme: String, host: String, port: Int, method: HTTPMethod, target: String, headers: [(String, String)], body: Data
    ) async throws -> Response {
        let maxBody = self.maxBody
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            let tls = scheme == "https" ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
            let timeout = TimeAmount.nanoseconds(Int64(self.timeout.components.seconds) * 1_000_000_000 + self.timeout.components.attoseconds / 1_000_000_000)
            channel = try await ClientBootstrap(group: self.group)
                .connectTimeout(timeout)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host))
                        }
                        // Idle = neither a read nor a write completed (an upload part is written in
                        // 64 KiB slices, each completion counting as progress).
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: timeout))
                        try channel.pipeline.syncOperations.addHandler(IdleCloser())
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw StorageError.unavailable("connect to \(host):\(port): \(error)")
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.replaceOrAdd(name: "content-length", value: "\(body.count)")
        head.headers.replaceOrAdd(name: "connection", value: "close")
        let request = head
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(request))
                var offset = body.startIndex
                while offset < body.endIndex {
                    let end = min(offset + 64 << 10, body.endIndex)
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body[offset..<end]))))
                    offset = end
                }
                try await outbound.write(.end(nil))
                var response: Response?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        response = Response(status: Int(head.status.code), headers: head.headers, body: Data())
                    case .body(let buffer):
                        guard response != nil else { continue }
                        guard response!.body.count + buffer.readableBytes <= maxBody else {
                            throw StorageError.unavailable("response body over \(maxBody) bytes")
                        }
                        response!.body.append(contentsOf: buffer.readableBytesView)
                    case .end:
                        if let response { return response }
                    }
                }
                throw StorageError.unavailable("connection closed before the response ended (timeout?)")
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.unavailable("\(method) \(target): \(error)")
        }
    }
}

/// Closes a connection that has been idle past its read timeout, which
/// ends the response stream and so the exchange.
private final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
