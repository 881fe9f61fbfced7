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
    private let slots: MessageHeaderSlots

    init(descriptor: CInt, allocator: ByteBufferAllocator, capacity: Int = 16, slotSize: Int = 2048) {
        precondition(capacity > 0 && slotSize > 0)
        self.descriptor = descriptor
        self.capacity = capacity
        self.slotSize = slotSize
        storage = allocator.buffer(capacity: capacity * slotSize)
        storage.writeRepeatingByte(0, count: capacity * slotSize)
        slots = MessageHeaderSlots(capacity: capacity)
    }

    deinit {
        slots.deallocate()
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
                slots.vectors[index].iov_base = memory.baseAddress! + index * slotSize
                slots.vectors[index].iov_len = slotSize
                slots.headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                slots.headers[index].msg_hdr.msg_flags = 0
                slots.headers[index].msg_len = 0
            }
            return meet_udp_recvmmsg(descriptor, slots.headers.baseAddress!, UInt32(capacity))
        }
        count = received > 0 ? Int(received) : 0
        return count
    }

    /// Datagram `index` of the last `read()`: a slice of the reader's buffer.
    func datagram(at index: Int) -> ByteBuffer {
        precondition(index >= 0 && index < count)
        let length = min(Int(slots.headers[index].msg_len), slotSize)
        return storage.getSlice(at: index * slotSize, length: length)!
    }

    /// The source of datagram `index`, as a routing key (no allocation).
    func sourceKey(at index: Int) -> UDPAddressKey? {
        precondition(index >= 0 && index < count)
        let length = Int(slots.headers[index].msg_hdr.msg_namelen)
        return UnsafeRawPointer(slots.names.baseAddress! + index).withMemoryRebound(to: sockaddr.self, capacity: 1) {
            UDPAddressKey($0, length: length)
        }
    }

    /// The source of datagram `index` as NIO's `SocketAddress` (allocates:
    /// only for datagrams that need it).
    func sourceAddress(at index: Int) -> SocketAddress? {
        precondition(index >= 0 && index < count)
        let name = slots.names[index]
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
