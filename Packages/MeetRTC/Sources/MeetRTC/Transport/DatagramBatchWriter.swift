import CMeetUDP
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batched datagram writes straight on the UDP socket's descriptor with
/// `sendmmsg(2)`, from memory allocated once.
///
/// NIO's `DatagramChannel` boxes every write into its pending-write queue
/// and keeps the `ByteBuffer` alive until the flush, which costs heap
/// allocations per datagram on the SFU's fan-out. This writer copies each
/// datagram into one of `capacity` preallocated slots with its destination
/// address, and `flush()` hands the whole batch to the kernel in as few
/// `sendmmsg` calls as it takes. The socket stays NIO's (it reads, and closes
/// the descriptor); the writer must be closed before the descriptor is.
///
/// It never blocks: when the kernel has no room (`EAGAIN`, `ENOBUFS`) the
/// rest of the batch is handed back to the caller (``flush(backpressure:)``),
/// which queues it on NIO's channel to go out once the socket is writable;
/// that path allocates, but only under back-pressure. A datagram the kernel
/// refuses for itself (an unreachable or malformed address) is dropped alone
/// and counted. Event loop only, like the socket.
final class DatagramBatchWriter {
    /// What one `flush()` did.
    struct FlushResult: Equatable {
        var sent = 0
        var dropped = 0
        /// Handed back under back-pressure (`EAGAIN`, `ENOBUFS`).
        var deferred = 0
        /// The errno of the last failure, 0 when none.
        var error: CInt = 0
    }

    /// Datagrams one batch holds; appending to a full writer needs a flush first.
    let capacity: Int
    /// The largest datagram a slot takes (bigger ones go through NIO).
    let slotSize: Int
    let descriptor: CInt
    private(set) var count = 0
    private(set) var isOpen = true

    private let slots: MessageHeaderSlots
    private let payload: UnsafeMutableRawBufferPointer
    /// Each slot's destination as given (retained, not copied: no allocation),
    /// for handing unsent datagrams back under back-pressure.
    private var addresses: [SocketAddress?]

    /// True where the platform has `sendmmsg(2)` (Linux); elsewhere the
    /// socket writes through NIO only.
    static var isSupported: Bool { meet_udp_has_sendmmsg() != 0 }

    /// 256 datagrams of up to 2048 bytes: half a megabyte per socket; a
    /// fan-out larger than that goes out in several `sendmmsg` calls.
    static let defaultCapacity = 256
    static let defaultSlotSize = 2048

    init(descriptor: CInt, capacity: Int = defaultCapacity, slotSize: Int = defaultSlotSize) {
        precondition(capacity > 0 && slotSize > 0)
        self.descriptor = descriptor
        self.capacity = capacity
        self.slotSize = slotSize
        slots = MessageHeaderSlots(capacity: capacity)
        payload = .allocate(byteCount: capacity * slotSize, alignment: 16)
        addresses = Array(repeating: nil, count: capacity)
        for index in 0..<capacity {
            slots.vectors[index] = iovec(iov_base: payload.baseAddress! + index * slotSize, iov_len: 0)
        }
    }

    deinit {
        slots.deallocate()
        payload.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// Queues a copy of `bytes` for `address`. False (nothing queued) when
    /// the writer is closed or full, or the datagram larger than a slot.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        guard isOpen, count < capacity, bytes.count <= slotSize else { return false }
        let index = count
        let nameLength = address.withSockAddr { pointer, length -> Int in
            let length = min(length, MemoryLayout<sockaddr_storage>.size)
            UnsafeMutableRawPointer(slots.names.baseAddress! + index).copyMemory(from: pointer, byteCount: length)
            return length
        }
        if let base = bytes.baseAddress, bytes.count > 0 {
            slots.vectors[index].iov_base!.copyMemory(from: base, byteCount: bytes.count)
        }
        slots.vectors[index].iov_len = bytes.count
        slots.headers[index].msg_hdr.msg_namelen = socklen_t(nameLength)
        addresses[index] = address
        count += 1
        return true
    }

    /// Sends every queued datagram and empties the writer; under
    /// back-pressure the unsent ones go to `backpressure` (their bytes are
    /// valid only during the call).
    @discardableResult
    func flush(backpressure: ((UnsafeRawBufferPointer, SocketAddress) -> Void)? = nil) -> FlushResult {
        var result = FlushResult()
        var index = 0
        while isOpen, index < count {
            let sent = meet_udp_sendmmsg(descriptor, slots.headers.baseAddress! + index, UInt32(count - index), 0)
            if sent > 0 {
                index += Int(sent)
                result.sent += Int(sent)
                continue
            }
            let error = sent < 0 ? errno : EIO
            if error == EINTR { continue }
            result.error = error
            if let backpressure, error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS {
                while index < count {
                    if let address = addresses[index] {
                        backpressure(UnsafeRawBufferPointer(start: slots.vectors[index].iov_base, count: slots.vectors[index].iov_len), address)
                        result.deferred += 1
                    } else {
                        result.dropped += 1
                    }
                    index += 1
                }
                break
            }
            if error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS || error == EBADF || sent == 0 {
                break
            }
            // The kernel refused this datagram for itself (address, size): skip it.
            result.dropped += 1
            index += 1
        }
        result.dropped += count - index
        count = 0
        return result
    }

    /// Forgets queued datagrams and refuses new ones (the descriptor is
    /// about to close, or closed).
    func close() {
        isOpen = false
        count = 0
    }
}
