public import NIOCore

/// Picks the loss-repair feedback out of an RTCP compound packet and points it
/// at other media SSRCs, without parsing anything else: what an SFU (or the
/// echo peer) does to forward a receiver's NACK, PLI or FIR to the sender of
/// the stream it is about.
///
/// Generic NACK (RTPFB, PT 205, FMT 1), PLI (PSFB, PT 206, FMT 1) and FIR
/// (PSFB, FMT 4) share the RFC 4585 §6.1 layout:
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
public enum RTCPFeedbackRewriter {
    static let rtpfb: UInt8 = 205
    static let psfb: UInt8 = 206
    static let nackFormat: UInt8 = 1
    static let pliFormat: UInt8 = 1
    static let firFormat: UInt8 = 4

    /// The NACK, PLI and FIR packets of `compound` that name a media SSRC
    /// found among the keys of `mediaSSRCs`, with that SSRC replaced by its
    /// value, as one compound packet; nil when there are none. Everything
    /// else (reports, SDES, REMB, transport-wide CC) is left out: it is about
    /// this hop, not the sender's. Malformed input ends the walk.
    public static func rewrite(_ compound: ByteBuffer, mediaSSRCs: [UInt32: UInt32]) -> ByteBuffer? {
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
            let wanted = (type == rtpfb && format == nackFormat) || (type == psfb && (format == pliFormat || format == firFormat))
            guard wanted, length >= 12 else { continue }
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
