import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNIOLinux

/// A UDP peer address as a plain value: what the routing table is keyed by.
///
/// NIO's `SocketAddress` boxes its storage and renders a host string, so
/// making one per datagram allocates twice; this key is read straight from
/// the `sockaddr` the kernel filled in (``DatagramBatchReader``) and equals
/// the key of the `SocketAddress` it stands for: the same fields
/// `SocketAddress`'s own `==` compares (family, port, address; for IPv6
/// flow info and scope too).
struct UDPAddressKey: Hashable, Sendable {
    var family: UInt32
    var port: UInt16
    var flowInfo: UInt32
    var scope: UInt32
    var high: UInt64
    var low: UInt64

    /// The key of an IPv4 or IPv6 `sockaddr`; nil for any other family or a short length.
    init?(_ pointer: UnsafePointer<sockaddr>, length: Int) {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            let address = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in.self)
            family = UInt32(AF_INET)
            port = address.sin_port
            flowInfo = 0
            scope = 0
            high = 0
            low = UInt64(address.sin_addr.s_addr)
        case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
            let address = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in6.self)
            family = UInt32(AF_INET6)
            port = address.sin6_port
            flowInfo = address.sin6_flowinfo
            scope = address.sin6_scope_id
            var bytes = address.sin6_addr
            (high, low) = withUnsafeBytes(of: &bytes) { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
        default:
            return nil
        }
    }

    /// The key of an IPv4 or IPv6 `SocketAddress`; nil for a Unix domain socket.
    init?(_ address: SocketAddress) {
        guard let key = address.withSockAddr({ pointer, length in UDPAddressKey(pointer, length: length) }) else {
            return nil
        }
        self = key
    }
}
