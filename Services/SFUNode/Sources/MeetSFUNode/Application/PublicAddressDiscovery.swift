import Foundation
public import Logging
import MeetCore
import MeetSTUN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the address the internet sees this node at, by asking a STUN server
/// (`MEET_SFU_PUBLIC_IP_STUN`) for the server-reflexive address of a UDP
/// socket (RFC 8489 §3, Binding). Cloud machines often have only a private
/// address on their interface and a public one mapped 1:1 by the provider
/// (an ExternalIP); Kubernetes' downward API can give a pod the former but
/// not the latter. The node announces the discovered address in its ICE
/// candidates and registry record instead of `MEET_SFU_PUBLIC_IP`.
///
/// The port is not taken from the answer: the node announces its own UDP
/// port, which a 1:1 NAT keeps. Behind a port-translating NAT the port must be
/// forwarded (docs/deploy.md).
public struct PublicAddressDiscovery: Sendable {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unresolvable(String)
        case socket(String)
        case noAnswer(server: String, attempts: Int)
        case badAnswer(String)

        public var description: String {
            switch self {
            case .unresolvable(let server): "cannot resolve STUN server \(server)"
            case .socket(let what): "UDP socket: \(what)"
            case .noAnswer(let server, let attempts): "no Binding answer from \(server) after \(attempts) attempts"
            case .badAnswer(let what): "unusable Binding answer: \(what)"
            }
        }
    }

    public var server: STUNServer
    /// Local address to send from (the media socket's `MEET_SFU_UDP_HOST`),
    /// so the answer describes the interface media leaves through.
    public var bindHost: String
    /// Waits per attempt, doubling like STUN's retransmission timer (RFC 8489 §6.2.1).
    public var timeouts: [Duration]

    public init(
        server: STUNServer, bindHost: String = "0.0.0.0",
        timeouts: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)]
    ) {
        self.server = server
        self.bindHost = bindHost
        self.timeouts = timeouts
    }

    /// The reflexive IP address, as text. Blocking work runs off the executor.
    public func discover(logger: Logger) async throws -> String {
        let address = try await BlockingWork.run { try self.query() }
        logger.info("public address discovered", metadata: ["stun": "\(self.server)", "publicIP": "\(address)"])
        return address
    }

    /// The IP in a Binding success response to `transactionID`; nil when the
    /// datagram is not that response (a stray packet, another transaction).
    static func mappedIP(in datagram: [UInt8], transactionID: STUNTransactionID) throws(Failure) -> String? {
        guard let message = try? STUNMessage(parsing: datagram), message.transactionID == transactionID else { return nil }
        switch message.type {
        case .bindingSuccess:
            guard let mapped = message.xorMappedAddress ?? message.mappedAddress else {
                throw .badAnswer("no (XOR-)MAPPED-ADDRESS")
            }
            return mapped.address.description
        case .bindingError:
            throw .badAnswer("error \(message.errorCode.map { "\($0)" } ?? "without a code")")
        default:
            return nil
        }
    }

    private func query() throws(Failure) -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(self.server.host, String(self.server.port), &hints, &list) == 0, let first = list else {
            throw .unresolvable("\(self.server)")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(first.pointee.ai_family, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw .socket("socket() failed, errno \(errno)") }
        defer { close(descriptor) }
        try self.bindLocal(descriptor, family: first.pointee.ai_family)

        let request = STUNMessage(type: .bindingRequest)
        let bytes = request.encode(fingerprint: true)
        var buffer = [UInt8](repeating: 0, count: 1500)
        for timeout in self.timeouts {
            let sent = bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, first.pointee.ai_addr, first.pointee.ai_addrlen) }
            guard sent == bytes.count else { throw .socket("sendto \(self.server) failed, errno \(errno)") }
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let left = (deadline - ContinuousClock.now).components
                let waitMs = left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000
                guard poll(&poller, 1, Int32(max(1, min(waitMs, 60_000)))) > 0 else { continue }
                let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard received > 0 else { continue }
                if let ip = try Self.mappedIP(in: Array(buffer[0..<received]), transactionID: request.transactionID) {
                    return ip
                }
            }
        }
        throw .noAnswer(server: "\(self.server)", attempts: self.timeouts.count)
    }

    /// Binds to `bindHost` when it is a specific address of the server's family.
    private func bindLocal(_ descriptor: Int32, family: Int32) throws(Failure) {
        if family == AF_INET, self.bindHost != "0.0.0.0" {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            guard inet_pton(AF_INET, self.bindHost, &local.sin_addr) == 1 else { return }
            let status = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else { throw .socket("bind \(self.bindHost) failed, errno \(errno)") }
        }
    }
}

/// `host:port` of a STUN server (`stun:` prefix and `[v6]:port` accepted;
/// port 3478 when absent).
public struct STUNServer: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 3478) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("stun:") { rest = rest.dropFirst(5) }
        var host: Substring
        var port: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                port = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            guard rest[rest.index(after: colon)...].firstIndex(of: ":") == nil else { return nil }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else { return nil }
            self.init(host: String(host), port: number)
        } else {
            self.init(host: String(host))
        }
    }

    public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
}
