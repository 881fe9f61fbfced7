import NIOCore

/// A ring of send buffers reused for outgoing SRTP datagrams, so the
/// fan-out does not allocate a `ByteBuffer` per packet in steady state.
///
/// NIO keeps a reference to a written buffer until the datagram left (the
/// flush at the end of the socket's read batch); by the time the ring comes
/// round to the same slot the buffer is uniquely ours again and is
/// rewritten in place. If it is still in flight, copy-on-write gives the slot
/// fresh storage: correct, merely one allocation. Event loop only.
struct SendBufferPool {
    static let defaultCount = 1024
    static let bufferCapacity = 1536

    private var buffers: [ByteBuffer]
    private var next = 0

    init(count: Int = defaultCount, capacity: Int = bufferCapacity) {
        let allocator = ByteBufferAllocator()
        buffers = (0..<max(1, count)).map { _ in allocator.buffer(capacity: capacity) }
    }

    /// A buffer holding a copy of `bytes`.
    mutating func buffer(copying bytes: UnsafeRawBufferPointer) -> ByteBuffer {
        let index = next
        next = next + 1 == buffers.count ? 0 : next + 1
        buffers[index].clear()
        buffers[index].writeBytes(bytes)
        return buffers[index]
    }
}
