import CMeetUDP
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batched datagram reads straight from the UDP socket's descriptor with
/// `recvmmsg(2)`, into memory allocated once.
///
/// NIO's `DatagramChannel` makes a `SocketAddress` for every datagram it
/// reads (a boxed address plus a rendered host string: two allocations per
/// packet). The socket lets NIO read the first datagram of a wake-up, then
/// drains the rest here (`RTCSocket.drainReceive`): the datagrams land in
/// one `ByteBuffer` of `capacity` slots, each with its `sockaddr`, and are
/// routed by ``UDPAddressKey``; a `SocketAddress` is made only for the rare
/// datagram that needs one (STUN, DTLS, an unknown source).
///
/// The datagrams of one `read()` are slices of that buffer, valid until
/// the next `read()`. If someone still holds a slice then, the buffer is
/// copied first (copy-on-write), so a slice never changes under its holder.
/// Event loop only, like the socket; the descriptor stays NIO's.
final class DatagramBatchReader {
    /// Datagrams one `read()` takes at most.
    let capacity: Int
    /// Bytes per slot: a longer datagram is truncated, as NIO's reads are.
    let slotSize: Int
    let descriptor: CInt
    private(set) var isOpen = true
    /// Datagrams the last `read()` received.
    private(set) var count = 0

    private var storage: ByteBuffer
    private let headers: UnsafeMutableBufferPointer<meet_udp_mmsghdr>
    private let vectors: UnsafeMutableBufferPointer<iovec>
    private let names: UnsafeMutableBufferPointer<sockaddr_storage>

    init(descriptor: CInt, allocator: ByteBufferAllocator, capacity: Int = 16, slotSize: Int = 2048) {
        precondition(capacity > 0 && slotSize > 0)
        self.descriptor = descriptor
        self.capacity = capacity
        self.slotSize = slotSize
        storage = allocator.buffer(capacity: capacity * slotSize)
        storage.writeRepeatingByte(0, count: capacity * slotSize)
        headers = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        names = .allocate(capacity: capacity)
        names.initialize(repeating: sockaddr_storage())
        vectors.initialize(repeating: iovec())
        for index in 0..<capacity {
            var header = meet_udp_mmsghdr()
            header.msg_hdr.msg_name = UnsafeMutableRawPointer(names.baseAddress! + index)
            header.msg_hdr.msg_iov = vectors.baseAddress! + index
            header.msg_hdr.msg_iovlen = 1
            headers[index] = header
        }
    }

    deinit {
        headers.deallocate()
        vectors.deallocate()
        names.deallocate()
    }

    /// Receives up to `capacity` waiting datagrams without blocking; returns
    /// how many (0 when none is waiting, on error, or once closed).
    func read() -> Int {
        count = 0
        guard isOpen else { return 0 }
        let slotSize = self.slotSize
        let received = storage.withVeryUnsafeMutableBytes { memory -> CInt in
            // The buffer may have moved (copy-on-write): point every slot at it again.
            for index in 0..<capacity {
                vectors[index].iov_base = memory.baseAddress! + index * slotSize
                vectors[index].iov_len = slotSize
                headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                headers[index].msg_hdr.msg_flags = 0
                headers[index].msg_len = 0
            }
            return meet_udp_recvmmsg(descriptor, headers.baseAddress!, UInt32(capacity))
        }
        count = received > 0 ? Int(received) : 0
        return count
    }

    /// Datagram `index` of the last `read()`: a slice of the reader's buffer.
    func datagram(at index: Int) -> ByteBuffer {
        precondition(index >= 0 && index < count)
        let length = min(Int(headers[index].msg_len), slotSize)
        return storage.getSlice(at: index * slotSize, length: length)!
    }

    /// The source of datagram `index`, as a routing key (no allocation).
    func sourceKey(at index: Int) -> UDPAddressKey? {
        precondition(index >= 0 && index < count)
        let length = Int(headers[index].msg_hdr.msg_namelen)
        return UnsafeRawPointer(names.baseAddress! + index).withMemoryRebound(to: sockaddr.self, capacity: 1) {
            UDPAddressKey($0, length: length)
        }
    }

    /// The source of datagram `index` as NIO's `SocketAddress` (allocates:
    /// only for datagrams that need it).
    func sourceAddress(at index: Int) -> SocketAddress? {
        precondition(index >= 0 && index < count)
        let name = names[index]
        switch Int32(name.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: name) { SocketAddress($0.loadUnaligned(as: sockaddr_in.self)) }
        case AF_INET6:
            return withUnsafeBytes(of: name) { SocketAddress($0.loadUnaligned(as: sockaddr_in6.self)) }
        default:
            return nil
        }
    }

    /// Reads nothing more (the descriptor is about to close, or closed).
    func close() {
        isOpen = false
        count = 0
    }
}
