import CMeetUDP
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the media port's UDP socket ourselves (non-blocking,
/// close-on-exec, `SO_REUSEADDR` for a fixed port, `SO_REUSEPORT` for a
/// worker of an ``RTCSocketGroup``, bound), so the descriptor is known to the
/// socket's ``DatagramBatchWriter``; NIO then adopts it
/// (`DatagramBootstrap.withBoundSocket`) and owns it from there.
enum UDPDescriptor {
    /// Send and receive buffer size asked for (4 MiB).
    static let bufferBytes: CInt = 4 << 20

    /// A bound UDP descriptor for `address`; throws NIO's `IOError` with the failing call.
    /// With `reusePort`, `SO_REUSEPORT` is set before `bind`, so the other
    /// sockets of a group (same user) can bind the same port and the kernel
    /// spreads the remote 4-tuples over them.
    static func bound(to address: SocketAddress, reusePort: Bool = false) throws -> CInt {
        let family = address.protocol
        guard family == .inet || family == .inet6 else {
            throw IOError(errnoCode: EAFNOSUPPORT, reason: "socket")
        }
        let descriptor = meet_udp_socket(family.rawValue)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: CInt = 1
        let status = address.withSockAddr { pointer, length -> CInt in
            // Only for a fixed port: Linux hands an ephemeral port (port 0)
            // that another live SO_REUSEADDR socket holds to a new
            // SO_REUSEADDR socket, and the two then share its datagrams.
            if Self.reusesAddress(address) {
                guard setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
                    return -1
                }
            }
            if reusePort {
                guard setsockopt(descriptor, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
                    return -1
                }
            }
            // Room for a fan-out burst (one packet to 100 subscribers is ~120 KB) and
            // for bursts in: asked for, the kernel caps it at net.core.{w,r}mem_max
            // (docs/deploy.md says to raise those). Best effort.
            var size = Self.bufferBytes
            _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<CInt>.size))
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
            return bind(descriptor, pointer, socklen_t(length))
        }
        guard status == 0 else {
            let error = errno
            close(descriptor)
            throw IOError(errnoCode: error, reason: "bind")
        }
        return descriptor
    }

    /// `SO_REUSEADDR` only where a port was asked for, never for port 0.
    static func reusesAddress(_ address: SocketAddress) -> Bool {
        (address.port ?? 0) != 0
    }
}
