#if canImport(NIOCore)
import CNIOLinux
public import NIOCore

/// Conveniences for NIO callers: parse from and encode into `ByteBuffer`, and
/// convert between `STUNTransportAddress` and `SocketAddress`.
extension STUNMessage {
    /// Parses the readable bytes of `buffer` (not consumed).
    public init(parsing buffer: ByteBuffer) throws {
        try self.init(parsing: buffer.readableBytesView)
    }

    /// A cheap STUN check of the readable bytes (RFC 7983), see `isProbablySTUN(_:)`.
    public static func isProbablySTUN(_ buffer: ByteBuffer) -> Bool {
        isProbablySTUN(buffer.readableBytesView)
    }

    /// Encodes into a new buffer from `allocator`.
    public func encode(
        integrityKey: [UInt8]? = nil, fingerprint: Bool = false, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        allocator.buffer(bytes: encode(integrityKey: integrityKey, fingerprint: fingerprint))
    }
}

extension STUNTransportAddress {
    /// From an IPv4 or IPv6 socket address; nil for Unix domain sockets.
    public init?(_ socketAddress: SocketAddress) {
        guard let port = socketAddress.port, let port16 = UInt16(exactly: port) else { return nil }
        switch socketAddress {
        case .v4(let a):
            self.init(address: .v4(UInt32(bigEndian: a.address.sin_addr.s_addr)), port: port16)
        case .v6(let a):
            let octets = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
            guard let ip = STUNIPAddress(octets: octets) else { return nil }
            self.init(address: ip, port: port16)
        default:
            return nil
        }
    }

    /// The equivalent socket address.
    public func socketAddress() throws -> SocketAddress {
        try SocketAddress(packedIPAddress: ByteBuffer(bytes: address.octets), port: Int(port))
    }
}
#endif
