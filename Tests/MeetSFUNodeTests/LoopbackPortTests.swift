#if canImport(Glibc)
import Glibc
#endif
@testable import MeetRTC
import NIOCore
import Testing

/// Every loopback test binds its sockets to port 0 and trusts the kernel to
/// give each its own port. With `SO_REUSEADDR` on every socket, Linux's UDP
/// autobind counts a port held by another `SO_REUSEADDR` socket as free, so
/// now and then a new socket shared a live socket's port and took its
/// datagrams: a harness whose publisher client stopped receiving RTCP
/// (`REMBLoopbackTests.noRembWithTransportCC` waiting for receiver reports,
/// a PLI that never arrived) or whose connection never completed
/// (`RetireLoopbackTests`). About one collision per full parallel test run.
@Suite("Media sockets on port 0 get ports of their own")
struct LoopbackPortTests {
    static func port(of descriptor: CInt) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return -1 }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    @Test("1500 descriptors bound to 127.0.0.1:0 at once all have distinct ports")
    func distinctEphemeralPorts() throws {
        // 1500 live sockets in a range of ~28 000 ports: with the old
        // SO_REUSEADDR about 40 of them shared a port; now none may.
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        var descriptors: [CInt] = []
        defer { for descriptor in descriptors { close(descriptor) } }
        for _ in 0..<1500 { descriptors.append(try UDPDescriptor.bound(to: address)) }
        let ports = descriptors.map(Self.port(of:))
        #expect(!ports.contains(-1))
        #expect(Set(ports).count == ports.count, "\(ports.count - Set(ports).count) sockets shared a port")
    }

    @Test("a fixed port is still taken by a socket bound after the one before it closed")
    func fixedPortRebinds() throws {
        let first = try UDPDescriptor.bound(to: SocketAddress(ipAddress: "127.0.0.1", port: 0))
        let port = Self.port(of: first)
        close(first)
        let again = try UDPDescriptor.bound(to: SocketAddress(ipAddress: "127.0.0.1", port: port))
        defer { close(again) }
        #expect(Self.port(of: again) == port)
    }
}
