/// Cheap structural checks before a packet is transformed, so malformed
/// input is rejected up front (RFC 3550 §5.1, §6.4) and the crypto only sees
/// packets whose header lengths fit inside the buffer.
enum SRTPPacketCheck {
    /// Longer packets are refused: the EVP calls take 32-bit lengths (and no
    /// datagram comes near it).
    static let maximumLength = Int(Int32.max) - 1024

    /// The RTP header's length (fixed part, CSRCs, header extension) when
    /// the packet is version 2 and the header plus `trailer` bytes fit in
    /// `length`; nil otherwise.
    static func rtpHeaderLength(_ buffer: UnsafeMutableRawBufferPointer, length: Int, trailer: Int) -> Int? {
        guard length <= buffer.count, length <= maximumLength, length >= 12 + trailer else { return nil }
        let first = buffer[0]
        guard first >> 6 == 2 else { return nil }
        var headerLength = 12 + Int(first & 0x0F) * 4
        if first & 0x10 != 0 {
            guard headerLength + 4 <= length else { return nil }
            let words = Int(buffer[headerLength + 2]) << 8 | Int(buffer[headerLength + 3])
            headerLength += 4 + words * 4
        }
        return headerLength + trailer <= length ? headerLength : nil
    }

    /// Version 2, the fixed header, CSRCs and any header extension fit,
    /// with `trailer` bytes left after them.
    static func isRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, trailer: Int) -> Bool {
        rtpHeaderLength(buffer, length: length, trailer: trailer) != nil
    }

    /// Version 2, at least a header and sender SSRC, with `trailer` bytes
    /// (SRTCP index and tag) after them.
    static func isRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, trailer: Int) -> Bool {
        guard length <= buffer.count, length <= maximumLength, length >= 8 + trailer else { return false }
        return buffer[0] >> 6 == 2
    }
}
