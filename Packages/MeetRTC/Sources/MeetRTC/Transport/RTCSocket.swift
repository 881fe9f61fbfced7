import Logging
import MeetSTUN
import NIOCore
import NIOPosix

/// One UDP port that serves many peer connections (STYLE.md habit 5).
///
/// Every datagram is classified by its first byte (RFC 7983, `PacketClass`),
/// then routed by its source address (`RoutingTable`). A new address is only
/// learned from a STUN Binding request whose USERNAME names a registered
/// peer's local ufrag and which that peer's ICE agent authenticates; DTLS,
/// RTP and RTCP from an address nobody validated are dropped and counted.
///
/// The socket and all its peers live on the channel's event loop: the receive
/// path runs in `channelRead` with no actor hop, and replies written while
/// reading are flushed once per read batch (`channelReadComplete`), which
/// lets NIO hand them to the kernel together.
public final class RTCSocket: @unchecked Sendable {
    /// The loop every peer on this socket runs on.
    public let eventLoop: any EventLoop
    /// The bound address (useful with port 0).
    public let localAddress: SocketAddress
    let channel: any Channel
    let logger: Logger
    let metrics: RTCMetrics

    // Event-loop state.
    var routes = RoutingTable<PeerConnection>()
    var inReadBatch = false
    var needsFlush = false
    /// Per-reason drop counts for this socket (tests and `/stats`), loop only.
    public private(set) var drops: [DropReason: Int] = [:]

    init(channel: any Channel, localAddress: SocketAddress, logger: Logger, metrics: RTCMetrics) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.localAddress = localAddress
        self.logger = logger
        self.metrics = metrics
    }

    /// Binds a UDP socket on `host`:`port` (0 picks a free port).
    ///
    /// Reads up to 16 datagrams per syscall (recvmmsg) where the platform has it.
    public static func bind(
        host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "meet.rtc.socket"), metrics: RTCMetrics = .shared
    ) async throws -> RTCSocket {
        let batch = 16
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: UInt(batch))
            .channelOption(.datagramVectorReadMessageCount, value: batch)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: batch * 2048))
            .bind(host: host, port: port)
            .get()
        guard let localAddress = channel.localAddress else {
            try await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        let socket = RTCSocket(channel: channel, localAddress: localAddress, logger: logger, metrics: metrics)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(RTCDatagramHandler(socket: socket))
        }.get()
        logger.info("media socket bound", metadata: ["address": "\(socket.localAddress)"])
        return socket
    }

    /// Closes the socket and every peer on it.
    public func close() async throws {
        try await eventLoop.submit { [self] in
            for peer in routes.allPeers { peer.close(reason: "socket closed") }
        }.get()
        try await channel.close()
    }

    /// Number of peers routed here (loop only).
    public var peerCount: Int { routes.peerCount }

    // MARK: Peer registration (event loop)

    func register(_ peer: PeerConnection) -> Bool {
        eventLoop.preconditionInEventLoop()
        return routes.register(peer, ufrag: peer.localUfrag)
    }

    func unregister(_ peer: PeerConnection) {
        eventLoop.preconditionInEventLoop()
        routes.remove(ufrag: peer.localUfrag)
    }

    /// Re-registers `peer` under a new local ufrag (ICE restart); its
    /// addresses stay bound, the old ufrag routes nothing any more.
    func rename(_ peer: PeerConnection, from ufrag: String, to newUfrag: String) -> Bool {
        eventLoop.preconditionInEventLoop()
        return routes.rename(ufrag: ufrag, to: newUfrag)
    }

    func bind(_ address: SocketAddress, to peer: PeerConnection) {
        if routes.ufrag(for: address) != peer.localUfrag {
            logger.debug("address validated", metadata: ["peer": "\(peer.id)", "remote": "\(address)"])
        }
        routes.bind(address, toUfrag: peer.localUfrag)
    }

    func unbind(_ address: SocketAddress) {
        routes.unbind(address)
    }

    // MARK: Sending (event loop)

    /// Writes one datagram; flushed at the end of the current read batch, or
    /// now when called outside one (timers, application sends).
    func send(_ buffer: ByteBuffer, to address: SocketAddress) {
        metrics.datagramsOut.increment()
        let envelope = AddressedEnvelope(remoteAddress: address, data: buffer)
        if inReadBatch {
            channel.write(envelope, promise: nil)
            needsFlush = true
        } else {
            channel.writeAndFlush(envelope, promise: nil)
        }
    }

    func countDrop(_ reason: DropReason) {
        drops[reason, default: 0] += 1
        metrics.drop(reason)
    }
}
