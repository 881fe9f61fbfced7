/// Big-endian helpers over `[UInt8]`. Every read is bounds-checked by the caller
/// through `STUNMessage`'s parsing, which only reads inside validated ranges.
extension Array where Element == UInt8 {
    @inlinable
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { self.append(contentsOf: $0) }
    }

    /// Reads a big-endian integer at `offset`, or nil when it would run past the end.
    @inlinable
    func readBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var v: T = 0
        for i in 0..<size { v = v << 8 | T(self[offset + i]) }
        return v
    }

    /// Writes a big-endian integer over existing bytes at `offset` (caller checks bounds).
    @inlinable
    mutating func setBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        let size = MemoryLayout<T>.size
        for i in 0..<size {
            self[offset + i] = UInt8(truncatingIfNeeded: value >> ((size - 1 - i) * 8))
        }
    }
}
