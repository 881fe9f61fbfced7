import NIOCore
import NIOPosix
import Testing
@testable import MeetRTC

#if canImport(Glibc)
import Glibc
#endif
import CNIOLinux

/// The socket's own `recvmmsg` reader and the address key it routes by.
@Suite("DatagramBatchReader and UDPAddressKey", .serialized)
struct DatagramBatchReaderTests {
    @Test("a SocketAddress and the sockaddr it wraps give the same key; port, address and family tell keys apart")
    func addressKeys() throws {
        let v4 = try SocketAddress(ipAddress: "192.0.2.7", port: 5004)
        let v6 = try SocketAddress(ipAddress: "2001:db8::7", port: 5004)
        let keyV4 = try #require(UDPAddressKey(v4))
        let keyV6 = try #require(UDPAddressKey(v6))
        #expect(v4.withSockAddr { UDPAddressKey($0, length: $1) } == keyV4)
        #expect(v6.withSockAddr { UDPAddressKey($0, length: $1) } == keyV6)
        #expect(keyV4 != keyV6)
        #expect(UDPAddressKey(try SocketAddress(ipAddress: "192.0.2.7", port: 5005)) != keyV4)
        #expect(UDPAddressKey(try SocketAddress(ipAddress: "192.0.2.8", port: 5004)) != keyV4)
        #expect(UDPAddressKey(try SocketAddress(ipAddress: "192.0.2.7", port: 5004)) == keyV4)
        #expect(UDPAddressKey(try SocketAddress(unixDomainSocketPath: "/tmp/x")) == nil)
    }

    /// The port a bound descriptor got (getsockname).
    static func localAddress(of descriptor: CInt) throws -> SocketAddress {
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        #expect(status == 0)
        return SocketAddress(storage)
    }

    @Test("datagrams waiting on the socket are read in batches with their source; a kept slice never changes")
    func readsBatches() async throws {
        let descriptor = try UDPDescriptor.bound(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        defer { close(descriptor) }
        let destination = try Self.localAddress(of: descriptor)
        let reader = DatagramBatchReader(descriptor: descriptor, allocator: ByteBufferAllocator(), capacity: 4)
        #expect(reader.read() == 0)

        let sender = try await RawSender.make()
        for index in 0..<10 { try await sender.send([0x80, UInt8(index)] + Array(repeating: 7, count: index), to: destination) }
        var received: [[UInt8]] = []
        var kept: ByteBuffer?
        try await waitUntil("10 datagrams read") {
            let count = reader.read()
            #expect(count <= 4)
            for index in 0..<count {
                let datagram = reader.datagram(at: index)
                if kept == nil { kept = datagram }
                received.append(Array(datagram.readableBytesView))
                #expect(reader.sourceKey(at: index) == UDPAddressKey(sender.channel.localAddress!))
                #expect(reader.sourceAddress(at: index) == sender.channel.localAddress!)
            }
            return received.count == 10
        }
        #expect(received == (0..<10).map { [0x80, UInt8($0)] + Array(repeating: 7, count: $0) })
        #expect(kept.map { Array($0.readableBytesView) } == [0x80, 0])
        reader.close()
        #expect(reader.read() == 0)
        try await sender.channel.close()
    }
}
