#if canImport(NIOCore)
public import NIOCore

extension RTCPPacket {
    /// Parses the readable bytes of `buffer` as a compound packet (not consumed).
    public static func parseCompound(_ buffer: ByteBuffer) throws -> [RTCPPacket] {
        try buffer.withUnsafeReadableBytes { try parseCompound($0) }
    }

    /// Writes packets back to back into `buffer`.
    public static func writeCompound(_ packets: [RTCPPacket], into buffer: inout ByteBuffer) throws {
        buffer.writeBytes(try encodeCompound(packets))
    }
}
#endif
