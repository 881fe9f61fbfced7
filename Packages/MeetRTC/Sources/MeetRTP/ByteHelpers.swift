/// Big-endian reads and writes on raw buffers. Callers check bounds first; these
/// helpers are the only place bytes are touched, which keeps the checks auditable.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func u16(at offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }

    @inline(__always)
    func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func setU16(_ v: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: v)
    }

    @inline(__always)
    func setU32(_ v: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: v)
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        for i in stride(from: MemoryLayout<T>.size - 1, through: 0, by: -1) {
            append(UInt8(truncatingIfNeeded: value >> (i * 8)))
        }
    }
}
