/// The one big-endian (network byte order) reader and writer of the
/// protocol codecs (STUN, RTP, RTCP, DTLS record filter, SRTP): every
/// multi-byte field on the wire goes through these, so the byte order and
/// the bounds rules live in one place.
///
/// The unchecked reads and writes (`u16(at:)`, `setU32(_:at:)`...) are for
/// parsers that validated the length first, as the hot paths do; the checked
/// ones (`readBigEndian(_:at:)`) return nil past the end. Neither allocates.
extension UnsafeRawBufferPointer {
    /// The big-endian integer at `offset` (no alignment needed); the caller
    /// checked that it lies inside the buffer.
    @inlinable @inline(__always)
    public func loadBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The big-endian integer at `offset`, or nil when it would run past the end.
    @inlinable
    public func readBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return loadBigEndian(T.self, at: offset)
    }

    @inlinable @inline(__always)
    public func u16(at offset: Int) -> UInt16 { loadBigEndian(at: offset) }

    /// The 24-bit big-endian value at `offset` (RTCP's cumulative lost count and NACK fields).
    @inlinable @inline(__always)
    public func u24(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 16 | UInt32(loadBigEndian(UInt16.self, at: offset + 1))
    }

    @inlinable @inline(__always)
    public func u32(at offset: Int) -> UInt32 { loadBigEndian(at: offset) }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` big-endian at `offset` (no alignment needed); the caller checked bounds.
    @inlinable @inline(__always)
    public func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }

    @inlinable @inline(__always)
    public func setU16(_ value: UInt16, at offset: Int) { storeBigEndian(value, at: offset) }

    @inlinable @inline(__always)
    public func setU32(_ value: UInt32, at offset: Int) { storeBigEndian(value, at: offset) }
}

extension UnsafeMutableRawPointer {
    /// The big-endian integer at `offset` (no alignment needed); the caller checked bounds.
    @inlinable @inline(__always)
    public func loadBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Stores `value` big-endian at `offset` (no alignment needed); the caller checked bounds.
    @inlinable @inline(__always)
    public func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` big-endian.
    @inlinable
    public mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// Appends the low 24 bits of `value` big-endian.
    @inlinable
    public mutating func appendU24(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 16))
        appendBigEndian(UInt16(truncatingIfNeeded: value))
    }

    /// The big-endian integer at `offset`, or nil when it would run past the end.
    @inlinable
    public func readBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        withUnsafeBytes { $0.readBigEndian(T.self, at: offset) }
    }

    /// Writes `value` big-endian over existing bytes at `offset`; the caller checked bounds.
    @inlinable
    public mutating func setBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "setBigEndian past the end")
        withUnsafeMutableBytes { $0.storeBigEndian(value, at: offset) }
    }
}
