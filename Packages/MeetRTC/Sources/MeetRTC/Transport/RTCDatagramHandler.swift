import Logging
import NIOCore

/// The channel handler of an `RTCSocket`: translates channel events into
/// calls on the socket, nothing more (STYLE.md habit 4).
final class RTCDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let socket: RTCSocket

    init(socket: RTCSocket) {
        self.socket = socket
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        socket.inReadBatch = true
        socket.receive(envelope.data, from: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        socket.drainReceive()
        socket.flushHandOffs()
        socket.inReadBatch = false
        socket.flushWrites()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // NIO closes the descriptor: the reader and writer must not touch it any more.
        socket.reader?.close()
        socket.writer?.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and friends surface here; a UDP socket stays usable.
        socket.logger.debug("media socket error", metadata: ["error": "\(error)"])
    }
}
