import MeetBytes

/// RTX, the RTP retransmission payload format (RFC 4588), and padding-only
/// packets (RFC 3550 §5.1), written in place for the forwarding path.
///
/// An RTX packet repeats a media packet on a stream of its own (session
/// multiplexing, RFC 4588 §5: its own SSRC, announced in
/// `a=ssrc-group:FID`, its own sequence numbers and the RTX payload type
/// whose `apt` is the media's), so the receiver's loss statistics of the
/// media stream stay true and the sender can send it when nothing was lost
/// (bandwidth probes). Header and extensions are the original's; the
/// payload starts with the original sequence number (RFC 4588 §4):
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public enum RTXPacket {
    /// Bytes an RTX packet adds to the media packet it repeats.
    public static let overhead = 2

    /// Turns the media packet in `buffer[0..<length]` into its RTX packet,
    /// in place: the payload moves 2 bytes up behind the original sequence
    /// number, the original's padding is dropped, and SSRC, sequence number
    /// and payload type become the RTX stream's. Returns the new length, or
    /// nil (nothing changed) when the packet does not parse or `buffer` has
    /// no room for the 2 bytes. Allocation-free.
    public static func wrap(
        _ buffer: UnsafeMutableRawBufferPointer, length: Int, ssrc: UInt32, sequenceNumber: UInt16, payloadType: UInt8
    ) -> Int? {
        guard length <= buffer.count,
              let header = try? RTPHeader(parsing: UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
        else { return nil }
        let newLength = header.payloadOffset + overhead + header.payloadLength
        guard newLength <= buffer.count, let base = buffer.baseAddress else { return nil }
        // Overlapping copy (memmove): the payload moves 2 bytes toward the end.
        (base + header.payloadOffset + overhead).copyMemory(from: base + header.payloadOffset, byteCount: header.payloadLength)
        buffer.setU16(header.sequenceNumber, at: header.payloadOffset)
        buffer[0] &= ~0x20
        RTPHeader.rewrite(buffer, ssrc: ssrc, sequenceNumber: sequenceNumber, payloadType: payloadType)
        return newLength
    }

    /// The original sequence number and payload of an RTX packet (its
    /// header already parsed from `bytes`); nil when the payload is shorter
    /// than the OSN (RFC 4588 §4: such a packet is dropped; a padding-only
    /// RTX packet has none).
    public static func original(of header: RTPHeader, in bytes: UnsafeRawBufferPointer) -> (sequenceNumber: UInt16, payload: Range<Int>)? {
        guard header.payloadLength >= overhead else { return nil }
        let start = header.payloadOffset
        return (bytes.u16(at: start), (start + overhead)..<(start + header.payloadLength))
    }

    /// Writes a padding-only packet (RFC 3550 §5.1: P bit, no payload, the
    /// last byte the padding count) of `size` bytes into `buffer`: version
    /// 2, `payloadType`, `ssrc`, `sequenceNumber`, `timestamp`, and, when
    /// `transportWideID` is 1–14, a one-byte header extension block with
    /// that id's two-byte element (zero, for the sender to stamp), so the
    /// receiver's transport-wide feedback reports its arrival. `size` is
    /// clamped to what the header needs plus 1–255 padding bytes. Returns
    /// the length written, or nil when `buffer` is too small.
    public static func padding(
        into buffer: UnsafeMutableRawBufferPointer, size: Int, ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32,
        payloadType: UInt8, transportWideID: UInt8
    ) -> Int? {
        let extended = (1...14).contains(transportWideID)
        let headerLength = RTPHeader.fixedHeaderLength + (extended ? 8 : 0)
        let paddingLength = min(max(size - headerLength, 1), 255)
        let length = headerLength + paddingLength
        guard length <= buffer.count else { return nil }
        buffer[0] = RTPHeader.version << 6 | 0x20 | (extended ? 0x10 : 0)
        buffer[1] = payloadType & 0x7F
        buffer.setU16(sequenceNumber, at: 2)
        buffer.setU32(timestamp, at: 4)
        buffer.setU32(ssrc, at: 8)
        if extended {
            // RFC 8285 §4.2: 0xBEDE, one word of elements: id|len=1, two bytes, one pad byte.
            buffer.setU16(0xBEDE, at: 12)
            buffer.setU16(1, at: 14)
            buffer[16] = transportWideID << 4 | 1
            buffer[17] = 0
            buffer[18] = 0
            buffer[19] = 0
        }
        for index in headerLength..<(length - 1) { buffer[index] = 0 }
        buffer[length - 1] = UInt8(paddingLength)
        return length
    }
}
