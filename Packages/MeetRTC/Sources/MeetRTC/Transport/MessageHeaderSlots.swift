import CMeetUDP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `mmsghdr` array both batch directions hand the kernel
/// (``DatagramBatchReader``'s `recvmmsg`, ``DatagramBatchWriter``'s
/// `sendmmsg`): `capacity` headers, each linked once to its own `iovec` and
/// `sockaddr_storage` slot, so a batch call fills or reads them in place
/// with no allocation. The owner points the vectors at its payload memory
/// and frees the slots in its `deinit`.
struct MessageHeaderSlots {
    let headers: UnsafeMutableBufferPointer<meet_udp_mmsghdr>
    let vectors: UnsafeMutableBufferPointer<iovec>
    let names: UnsafeMutableBufferPointer<sockaddr_storage>

    init(capacity: Int) {
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

    func deallocate() {
        headers.deallocate()
        vectors.deallocate()
        names.deallocate()
    }
}
