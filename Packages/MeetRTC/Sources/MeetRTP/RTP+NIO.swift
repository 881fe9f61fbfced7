#if canImport(NIOCore)
public import NIOCore

/// `ByteBuffer` entry points for NIO callers. Offsets in the returned header are
/// relative to the buffer's reader index.
extension RTPHeader {
    /// Parses the readable bytes of `buffer` without copying.
    public init(parsing buffer: ByteBuffer) throws {
        self = try buffer.withUnsafeReadableBytes { try RTPHeader(parsing: $0) }
    }

    /// In-place rewrite of the readable bytes (copy-on-write only if the storage is shared).
    @discardableResult
    public static func rewrite(
        _ buffer: inout ByteBuffer,
        ssrc: UInt32? = nil, sequenceNumber: UInt16? = nil, timestamp: UInt32? = nil,
        payloadType: UInt8? = nil, marker: Bool? = nil
    ) -> Bool {
        buffer.withUnsafeMutableReadableBytes {
            rewrite($0, ssrc: ssrc, sequenceNumber: sequenceNumber, timestamp: timestamp, payloadType: payloadType, marker: marker)
        }
    }
}

extension RTPPacket {
    public init(parsing buffer: ByteBuffer) throws {
        self = try buffer.withUnsafeReadableBytes { try RTPPacket(parsing: $0) }
    }
}
#endif
