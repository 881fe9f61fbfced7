/// A stand-in for the few NIOCore `ByteBuffer` members MeetDTLS uses, for the
/// libFuzzer build of MeetDTLS only (scripts/fuzz compiles the module's sources
/// without SwiftPM, so NIOCore is absent and `#if canImport(NIOCore)` drops the
/// import). Holds the bytes in an array; never linked into the product.
public struct ByteBuffer: Equatable, Sendable {
    var bytes: [UInt8]

    public init() { bytes = [] }
    public init<S: Sequence>(bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }

    public var readableBytes: Int { bytes.count }
    public var readableBytesView: [UInt8] { bytes }

    public func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes(body)
    }
}

/// Stand-in for NIOCore's allocator (see `ByteBuffer` above).
public struct ByteBufferAllocator: Sendable {
    public init() {}
    public func buffer<S: Sequence>(bytes: S) -> ByteBuffer where S.Element == UInt8 { ByteBuffer(bytes: bytes) }
}
