import MeetSTUN
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
        socket.inReadBatch = false
        if socket.needsFlush {
            socket.needsFlush = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and friends surface here; a UDP socket stays usable.
        socket.logger.debug("media socket error", metadata: ["error": "\(error)"])
    }
}

extension RTCSocket {
    /// Routes one received datagram (RFC 7983 §7, then by source address).
    func receive(_ buffer: ByteBuffer, from address: SocketAddress) {
        metrics.datagramsIn.increment()
        let kind = PacketClass.classify(buffer)
        if kind == .unknown {
            countDrop(.unclassified)
            return
        }
        if let peer = routes.peer(for: address) {
            peer.receive(buffer, kind: kind, from: address)
            return
        }
        guard kind == .stun else {
            countDrop(.unknownAddress)
            return
        }
        receiveFromNewAddress(buffer, from: address)
    }

    /// A STUN message from an address no peer holds yet: only a Binding request
    /// whose USERNAME starts with a registered local ufrag goes on, to that
    /// peer's ICE agent (RFC 8445 §7.3; the agent checks MESSAGE-INTEGRITY).
    private func receiveFromNewAddress(_ buffer: ByteBuffer, from address: SocketAddress) {
        guard let message = try? STUNMessage(parsing: buffer), message.type == .bindingRequest else {
            countDrop(.malformedSTUN)
            return
        }
        guard let text = message.username,
              let colon = text.firstIndex(of: ":"),
              let peer = routes.peer(forUfrag: String(text[..<colon]))
        else {
            countDrop(.unknownUfrag)
            return
        }
        peer.receiveSTUN(message, from: address)
    }
}
