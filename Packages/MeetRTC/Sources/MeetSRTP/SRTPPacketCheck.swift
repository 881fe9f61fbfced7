/// Cheap structural checks before a packet reaches libsrtp, so malformed
/// input is rejected in Swift (RFC 3550 §5.1, §6.4) and the C code only sees
/// packets whose header lengths fit inside the buffer.
enum SRTPPacketCheck {
    /// Version 2, the fixed header, CSRCs and any header extension fit,
    /// with `trailer` bytes left after them.
    static func isRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, trailer: Int) -> Bool {
        guard length <= buffer.count, length >= 12 + trailer else { return false }
        let first = buffer[0]
        guard first >> 6 == 2 else { return false }
        var headerLength = 12 + Int(first & 0x0F) * 4
        if first & 0x10 != 0 {
            guard headerLength + 4 <= length else { return false }
            let words = Int(buffer[headerLength + 2]) << 8 | Int(buffer[headerLength + 3])
            headerLength += 4 + words * 4
        }
        return headerLength + trailer <= length
    }

    /// Version 2, at least a header and sender SSRC, with `trailer` bytes
    /// (SRTCP index and tag) after them.
    static func isRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, trailer: Int) -> Bool {
        guard length <= buffer.count, length >= 8 + trailer else { return false }
        return buffer[0] >> 6 == 2
    }
}
