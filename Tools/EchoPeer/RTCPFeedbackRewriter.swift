import NIOCore

/// Picks the feedback packets out of an RTCP compound packet and points them
/// at other media SSRCs, without parsing anything else.
///
/// Transport-layer (RTPFB, PT 205: generic NACK) and payload-specific (PSFB,
/// PT 206: PLI, FIR) feedback share the RFC 4585 §6.1 layout:
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|   FMT   |       PT      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :            Feedback Control Information (FCI)                 :
/// ```
///
/// FIR (RFC 5104 §4.3.1) names its target in the FCI (SSRC at FCI offset 0),
/// and its media source field is 0, so both places are rewritten.
enum RTCPFeedbackRewriter {
    static let rtpfb: UInt8 = 205
    static let psfb: UInt8 = 206
    static let firFormat: UInt8 = 4
    static let remb: UInt8 = 15

    /// The rewritten feedback packets of `compound` whose media SSRC is a key of
    /// `mediaSSRCs`, or nil when there are none. REMB (PSFB FMT 15) is skipped:
    /// the echo does no bandwidth estimation of its own.
    static func rewrite(_ compound: ByteBuffer, mediaSSRCs: [UInt32: UInt32]) -> ByteBuffer? {
        var input = compound
        var output: ByteBuffer?
        while input.readableBytes >= 4 {
            let start = input.readerIndex
            guard let first = input.getInteger(at: start, as: UInt8.self),
                  let type = input.getInteger(at: start + 1, as: UInt8.self),
                  let words = input.getInteger(at: start + 2, as: UInt16.self),
                  first >> 6 == 2
            else { return output }
            let length = (Int(words) + 1) * 4
            guard input.readableBytes >= length, var packet = input.getSlice(at: start, length: length) else { return output }
            input.moveReaderIndex(forwardBy: length)
            let format = first & 0x1F
            guard type == rtpfb || (type == psfb && format != remb), length >= 12 else { continue }
            var matched = false
            if let media = packet.getInteger(at: 8, as: UInt32.self), let target = mediaSSRCs[media] {
                packet.setInteger(target, at: 8)
                matched = true
            }
            if type == psfb && format == firFormat {
                var offset = 12
                while offset + 8 <= length {
                    if let media = packet.getInteger(at: offset, as: UInt32.self), let target = mediaSSRCs[media] {
                        packet.setInteger(target, at: offset)
                        matched = true
                    }
                    offset += 8
                }
            }
            guard matched else { continue }
            if output == nil { output = ByteBufferAllocator().buffer(capacity: compound.readableBytes) }
            output!.writeImmutableBuffer(packet)
        }
        return output
    }
}
