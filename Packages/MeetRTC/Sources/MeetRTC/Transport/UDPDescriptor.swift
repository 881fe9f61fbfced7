import CMeetUDP
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the media port's UDP socket ourselves (non-blocking,
/// close-on-exec, bound), so the descriptor is known to the socket's
/// ``DatagramBatchWriter``; NIO then adopts it
/// (`DatagramBootstrap.withBoundSocket`) and owns it from there.
///
/// `SO_REUSEADDR` only for a fixed port: for port 0 Linux's UDP autobind
/// counts a port held by another `SO_REUSEADDR` socket as free, so two
/// sockets could share an ephemeral port and one take the other's datagrams
/// (``reusesAddress(port:)``).
enum UDPDescriptor {
    /// Send and receive buffer size asked for (4 MiB).
    static let bufferBytes: CInt = 4 << 20

    /// A bound UDP descriptor for `address`; throws NIO's `IOError` with the failing call.
    static func bound(to address: SocketAddress) throws -> CInt {
        let family = address.protocolFamily
        guard family == AF_INET || family == AF_INET6 else {
            throw IOError(errnoCode: EAFNOSUPPORT, reason: "socket")
        }
        let descriptor = meet_udp_socket(family)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: CInt = 1
        let status = address.withSockAddr { pointer, length -> CInt in
            if reusesAddress(port: address.port ?? 0),
               setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size)) != 0 {
                return -1
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

    /// Whether a socket bound to `port` sets `SO_REUSEADDR`: a fixed port
    /// yes, as before; an ephemeral one (0) never, so the kernel gives it a
    /// port no other socket holds.
    static func reusesAddress(port: Int) -> Bool {
        port != 0
    }
}
