import MeetBytes

/// A bounds-checked cursor over a packet, reading with MeetBytes'
/// big-endian primitives. Every read throws `RTCPParseError.truncated`
/// rather than reading past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = min(max(0, start), bytes.count)
        self.end = min(max(self.offset, end ?? bytes.count), bytes.count)
    }

    var remaining: Int { end - offset }

    mutating func need(_ n: Int) throws {
        guard n >= 0, n <= remaining else { throw RTCPParseError.truncated(needed: offset + n, available: end) }
    }

    mutating func u8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return bytes.u16(at: offset)
    }

    mutating func u24() throws -> UInt32 {
        try need(3)
        defer { offset += 3 }
        return bytes.u24(at: offset)
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return bytes.u32(at: offset)
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    mutating func skip(_ n: Int) throws {
        try need(n)
        offset += n
    }

    /// Everything left.
    mutating func rest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
