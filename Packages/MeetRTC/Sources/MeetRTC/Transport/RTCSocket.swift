public import Logging
import MeetSTUN
public import NIOCore
public import NIOPosix

/// One UDP port that serves many peer connections (STYLE.md habit 5).
///
/// Every datagram is classified by its first byte (RFC 7983, `PacketClass`),
/// then routed by its source address (`RoutingTable`). A new address is only
/// learned from a STUN Binding request whose USERNAME names a registered
/// peer's local ufrag and which that peer's ICE agent authenticates; DTLS,
/// RTP and RTCP from an address nobody validated are dropped and counted.
///
/// The socket and all its peers live on the channel's event loop: the receive
/// path runs in `channelRead` with no actor hop, and datagrams written while
/// reading are sent once per read batch (`channelReadComplete`) with one
/// `sendmmsg(2)` through the socket's own ``DatagramBatchWriter`` (no NIO
/// write, so no allocation per datagram); see `RTCSocket+Send.swift`.
///
/// Confinement (``EventLoopConfined``): the routing table, the read-batch
/// flags, the receive scratch buffer and the drop counts belong to
/// ``eventLoop``; `Sendable` only so the socket can be handed to other tasks,
/// which reach that state through `eventLoop.submit` (``close()`` does).
/// Receive and send assert the loop (debug builds), registration checks it
/// in every build.
public final class RTCSocket: EventLoopConfined, @unchecked Sendable {
    /// The loop every peer on this socket runs on.
    public let eventLoop: any EventLoop
    /// The bound address (useful with port 0).
    public let localAddress: SocketAddress
    let channel: any Channel
    let logger: Logger
    let metrics: RTCMetrics

    /// The timers of every peer on this socket's loop (ICE and DTLS), one
    /// NIO timer at their head (docs/dev/sfu-idle.md, item 3).
    public let timers: LoopTimers

    /// Sends on the descriptor with `sendmmsg`; nil where unsupported (then NIO writes).
    let writer: DatagramBatchWriter?
    /// Drains the descriptor with `recvmmsg` after NIO's read; nil where unsupported.
    let reader: DatagramBatchReader?

    // Event-loop state.
    var routes = RoutingTable<PeerConnection>()
    var inReadBatch = false
    /// NIO's channel holds writes to flush at the end of the read batch.
    var needsFlush = false
    /// Where SRTP/SRTCP is unprotected: one buffer reused for every packet
    /// instead of a copy-on-write copy of NIO's read buffer per packet.
    var receiveScratch: ByteBuffer
    private var dropCounts: [DropReason: Int] = [:]
    /// The group this socket is a worker of (nil alone), and its index
    /// there; set on the loop before any peer registers, never changed.
    weak var group: RTCSocketGroup?
    var groupIndex = 0
    /// Hand-off state (`RTCSocket+HandOff.swift`): where validated remote
    /// addresses of other workers' peers go, the datagrams waiting to go
    /// there, and which worker the datagram being handled came from.
    var handOff = HandOffState()
    var sendDropCount = 0
    /// Per-reason drop counts for this socket (tests and `/stats`), loop only.
    public var drops: [DropReason: Int] {
        assertOnOwningLoop()
        return dropCounts
    }
    /// Datagrams the kernel had no room for (or refused) when sent, loop only.
    public var sendDrops: Int {
        assertOnOwningLoop()
        return sendDropCount
    }

    init(
        channel: any Channel, localAddress: SocketAddress, writer: DatagramBatchWriter?, reader: DatagramBatchReader?,
        logger: Logger, metrics: RTCMetrics
    ) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.timers = LoopTimers(eventLoop: channel.eventLoop)
        self.localAddress = localAddress
        self.writer = writer
        self.reader = reader
        self.logger = logger
        self.metrics = metrics
        self.receiveScratch = channel.allocator.buffer(capacity: Self.receiveScratchCapacity)
    }

    /// Room for the largest datagram NIO reads (2048-byte slots, see `bind`) and more.
    static let receiveScratchCapacity = 4096

    /// Binds a UDP socket on `host`:`port` (0 picks a free port).
    ///
    /// Reads up to 16 datagrams per syscall (recvmmsg) where the platform has
    /// it. The descriptor is created and bound here, then handed to NIO
    /// (`withBoundSocket`), so the socket's batched writer and reader can
    /// `sendmmsg` and `recvmmsg` on it: NIO then reads one datagram per
    /// wake-up and the reader drains the rest (``drainReceive()``).
    public static func bind(
        host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "meet.rtc.socket"), metrics: RTCMetrics = .shared
    ) async throws -> RTCSocket {
        try await bind(
            host: host, port: port, group: group, logger: logger, metrics: metrics,
            writerCapacity: DatagramBatchWriter.defaultCapacity)
    }

    /// `bind` with the batched writer's capacity chosen (tests use a small
    /// one), and `SO_REUSEPORT` for a worker of an ``RTCSocketGroup``.
    static func bind(
        host: String, port: Int, group: any EventLoopGroup, logger: Logger, metrics: RTCMetrics, writerCapacity: Int,
        reusePort: Bool = false
    ) async throws -> RTCSocket {
        let batch = 16
        let channel: any Channel
        var writer: DatagramBatchWriter?
        var reader: DatagramBatchReader?
        if DatagramBatchWriter.isSupported {
            let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
            let descriptor = try UDPDescriptor.bound(to: address, reusePort: reusePort)
            // From here on NIO owns the descriptor (and closes it, also on failure).
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.maxMessagesPerRead, value: 1)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
                .withBoundSocket(descriptor).get()
            writer = DatagramBatchWriter(descriptor: descriptor, capacity: writerCapacity)
            reader = DatagramBatchReader(descriptor: descriptor, allocator: channel.allocator, capacity: batch)
        } else {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.maxMessagesPerRead, value: UInt(batch))
                .channelOption(.datagramVectorReadMessageCount, value: batch)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: batch * 2048))
                .channelOption(.socketOption(.so_reuseaddr), value: port == 0 ? 0 : 1)
                .bind(host: host, port: port)
                .get()
        }
        guard let localAddress = channel.localAddress else {
            reader?.close()
            writer?.close()
            try await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        let socket = RTCSocket(
            channel: channel, localAddress: localAddress, writer: writer, reader: reader, logger: logger, metrics: metrics)
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
            flushWrites()
            reader?.close()
            writer?.close()
        }.get()
        try await channel.close()
    }

    /// Number of peers routed here (loop only).
    public var peerCount: Int {
        assertOnOwningLoop()
        return routes.peerCount
    }

    // MARK: Peer registration (event loop)

    func register(_ peer: PeerConnection) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard routes.register(peer, ufrag: peer.localUfrag) else { return false }
        group?.claim(ufrag: peer.localUfrag, by: groupIndex)
        return true
    }

    func unregister(_ peer: PeerConnection) {
        eventLoop.preconditionInEventLoop()
        if let group {
            group.forget(routes.addresses(ofUfrag: peer.localUfrag), ownedBy: groupIndex)
            group.release(ufrag: peer.localUfrag, by: groupIndex)
        }
        routes.remove(ufrag: peer.localUfrag)
    }

    /// Re-registers a peer under a new local ufrag (ICE restart); its
    /// addresses stay bound, the old ufrag routes nothing any more.
    func rename(ufrag: String, to newUfrag: String) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard routes.rename(ufrag: ufrag, to: newUfrag) else { return false }
        group?.release(ufrag: ufrag, by: groupIndex)
        group?.claim(ufrag: newUfrag, by: groupIndex)
        return true
    }

    /// Routes a validated address to the peer registered under `ufrag`.
    func bind(_ address: SocketAddress, toUfrag ufrag: String, peerID: String) {
        assertOnOwningLoop()
        if routes.ufrag(for: address) != ufrag {
            logger.debug("address validated", metadata: ["peer": "\(peerID)", "remote": "\(address)"])
        }
        let evicted = routes.bind(address, toUfrag: ufrag)
        guard let group else { return }
        // Validated on a datagram another worker's socket received: from now
        // on that socket hands this address's media here without asking.
        if let origin = handOff.origin, origin != groupIndex { group.learn(address, ownedBy: groupIndex, at: origin) }
        if let evicted { group.forget([evicted], ownedBy: groupIndex) }
    }

    func unbind(_ address: SocketAddress) {
        assertOnOwningLoop()
        routes.unbind(address)
        group?.forget([address], ownedBy: groupIndex)
    }

    func countDrop(_ reason: DropReason) {
        assertOnOwningLoop()
        dropCounts[reason, default: 0] += 1
        metrics.drop(reason)
    }
}
