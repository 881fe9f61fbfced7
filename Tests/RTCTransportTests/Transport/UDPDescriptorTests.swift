import NIOCore
import Testing
@testable import MeetRTC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNIOLinux

/// The media port's descriptor (`UDPDescriptor`).
@Suite("UDPDescriptor")
struct UDPDescriptorTests {
    /// The port a bound descriptor got.
    static func port(ofIPv4 descriptor: CInt) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        try #require(status == 0)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The flaky loopback tests (RTCSocketBadInputTests.wrongCredentials
    /// counting drops, among others): with SO_REUSEADDR on every socket, Linux
    /// gave a new port-0 socket a port another live socket of the test
    /// process held, so one test's datagrams reached another test's socket.
    /// 900 live port-0 binds drew ~16 duplicate ports that way.
    @Test("port-0 descriptors never share a port with a live one")
    func ephemeralPortsAreUnique() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        var descriptors: [CInt] = []
        defer { for descriptor in descriptors { close(descriptor) } }
        var ports: [Int] = []
        for _ in 0..<900 {
            let descriptor = try UDPDescriptor.bound(to: address)
            descriptors.append(descriptor)
            ports.append(try Self.port(ofIPv4: descriptor))
        }
        #expect(Set(ports).count == ports.count, "\(ports.count - Set(ports).count) ports handed out twice")
    }

    @Test("SO_REUSEADDR only for a fixed port")
    func reuseOnlyForFixedPorts() throws {
        #expect(!UDPDescriptor.reusesAddress(try SocketAddress(ipAddress: "127.0.0.1", port: 0)))
        #expect(UDPDescriptor.reusesAddress(try SocketAddress(ipAddress: "0.0.0.0", port: 10_000)))
    }
}
