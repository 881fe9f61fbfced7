import Logging
@testable import MeetRTC
import NIOCore
import NIOPosix
import Testing

/// A plain UDP socket that records every datagram it receives (on its loop).
final class DatagramCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private(set) var datagrams: [[UInt8]] = []
    private(set) var channel: (any Channel)!

    var address: SocketAddress { channel.localAddress! }

    static func make() async throws -> DatagramCollector {
        let collector = DatagramCollector()
        collector.channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return collector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        datagrams.append(Array(unwrapInboundIn(data).data.readableBytesView))
    }

    func received() async throws -> [[UInt8]] {
        try await channel.eventLoop.submit { self.datagrams }.get()
    }

    func close() async throws {
        try await channel.close()
    }
}

/// The socket's own `sendmmsg` writer: what a read batch writes leaves at
/// its end, in order; a full writer flushes itself; what the kernel refuses
/// is dropped and counted, never queued.
@Suite("DatagramBatchWriter", .serialized)
struct DatagramBatchWriterTests {
    static func datagram(_ index: Int) -> [UInt8] {
        [UInt8(index & 0xFF), UInt8(index >> 8)] + Array(repeating: UInt8(0xA5), count: 40 + index % 7)
    }

    static func bindSocket(writerCapacity: Int = DatagramBatchWriter.defaultCapacity) async throws -> RTCSocket {
        try await RTCSocket.bind(
            host: "127.0.0.1", port: 0, group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test.writer"), metrics: RTCMetrics(), writerCapacity: writerCapacity)
    }

    @Test("datagrams written during a read batch are held, then sent in order by one flush")
    func readBatchFlush() async throws {
        #expect(DatagramBatchWriter.isSupported)
        let collector = try await DatagramCollector.make()
        let socket = try await Self.bindSocket()
        let destination = collector.address
        let (held, left) = try await socket.eventLoop.submit {
            socket.inReadBatch = true
            for index in 0..<100 {
                Self.datagram(index).withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            }
            let held = socket.writer?.count
            socket.inReadBatch = false
            socket.flushWrites()
            return (held, socket.writer?.count)
        }.get()
        #expect(held == 100)
        #expect(left == 0)
        try await waitUntil("100 datagrams arrived") { try await collector.received().count == 100 }
        #expect(try await collector.received() == (0..<100).map(Self.datagram))
        #expect(try await socket.eventLoop.submit { socket.sendDrops }.get() == 0)
        try await socket.close()
        try await collector.close()
    }

    @Test("outside a read batch every datagram leaves at once; a full writer flushes itself")
    func immediateAndFull() async throws {
        let collector = try await DatagramCollector.make()
        let socket = try await Self.bindSocket(writerCapacity: 8)
        let destination = collector.address
        let heldOutside = try await socket.eventLoop.submit {
            socket.send(ByteBuffer(bytes: Self.datagram(0)), to: destination)
            return socket.writer?.count
        }.get()
        #expect(heldOutside == 0)
        let held = try await socket.eventLoop.submit {
            socket.inReadBatch = true
            for index in 1...20 {
                Self.datagram(index).withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            }
            let held = socket.writer?.count
            socket.inReadBatch = false
            socket.flushWrites()
            return held
        }.get()
        // 20 datagrams through 8 slots: two flushes of 8 while writing, 4 left for the end.
        #expect(held == 4)
        try await waitUntil("21 datagrams arrived") { try await collector.received().count == 21 }
        #expect(try await collector.received() == (0...20).map(Self.datagram))
        try await socket.close()
        try await collector.close()
    }

    @Test("a datagram larger than a slot goes through NIO instead")
    func oversized() async throws {
        let collector = try await DatagramCollector.make()
        let socket = try await Self.bindSocket()
        let destination = collector.address
        let big = [UInt8](repeating: 0x42, count: DatagramBatchWriter.defaultSlotSize + 100)
        try await socket.eventLoop.submit {
            socket.inReadBatch = true
            big.withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            Self.datagram(1).withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            socket.inReadBatch = false
            socket.flushWrites()
        }.get()
        try await waitUntil("both datagrams arrived") { try await collector.received().count == 2 }
        #expect(Set(try await collector.received()) == [big, Self.datagram(1)])
        try await socket.close()
        try await collector.close()
    }

    @Test("a datagram the kernel refuses is dropped and counted; the rest of the batch still goes")
    func refusedDatagram() async throws {
        let collector = try await DatagramCollector.make()
        let metrics = RTCMetrics()
        let socket = try await RTCSocket.bind(
            host: "127.0.0.1", port: 0, group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test.writer"), metrics: metrics, writerCapacity: 16)
        let destination = collector.address
        // An IPv6 destination on an IPv4 socket: sendmmsg fails for that message alone.
        let wrongFamily = try SocketAddress(ipAddress: "::1", port: 9)
        let drops = try await socket.eventLoop.submit {
            socket.inReadBatch = true
            Self.datagram(1).withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            Self.datagram(2).withUnsafeBytes { socket.send(bytes: $0, to: wrongFamily) }
            Self.datagram(3).withUnsafeBytes { socket.send(bytes: $0, to: destination) }
            socket.inReadBatch = false
            socket.flushWrites()
            return socket.sendDrops
        }.get()
        #expect(drops == 1)
        try await waitUntil("the two good datagrams arrived") { try await collector.received().count == 2 }
        #expect(try await collector.received() == [Self.datagram(1), Self.datagram(3)])
        try await socket.close()
        try await collector.close()
    }

    @Test("a closed writer takes nothing; a closed socket's writer is closed")
    func closedWriter() async throws {
        let socket = try await Self.bindSocket()
        let writer = try #require(socket.writer)
        let probe = DatagramBatchWriter(descriptor: writer.descriptor, capacity: 2)
        let address = socket.localAddress
        let appended = Self.datagram(1).withUnsafeBytes { bytes in
            [probe.append(bytes, to: address), probe.append(bytes, to: address), probe.append(bytes, to: address)]
        }
        #expect(appended == [true, true, false])
        probe.close()
        #expect(probe.isEmpty)
        #expect(Self.datagram(1).withUnsafeBytes { probe.append($0, to: address) } == false)
        try await socket.close()
        #expect(try await socket.eventLoop.submit { socket.writer?.isOpen }.get() == false)
    }
}
