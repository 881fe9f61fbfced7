import NIOCore

/// Sender reports (RFC 3550 §6.4.1) of a publisher, relayed to its
/// subscribers so receivers can map RTP timestamps to wall-clock time and
/// sync audio with video. The node forwards timestamps unchanged, so only
/// the sender SSRC needs rewriting; report blocks (what the publisher
/// received, which concerns only the node) are dropped.
enum SenderReports {
    /// Length of an SR without report blocks: header, sender SSRC, sender info.
    static let length = 28

    /// The SRs in an RTCP compound packet, each as (sender SSRC, reader
    /// index of the packet). Stops at the first malformed header.
    static func find(in compound: ByteBuffer) -> [(ssrc: UInt32, offset: Int)] {
        var found: [(UInt32, Int)] = []
        var offset = compound.readerIndex
        let end = compound.readerIndex + compound.readableBytes
        while offset + 4 <= end {
            guard let first = compound.getInteger(at: offset, as: UInt8.self), first >> 6 == 2,
                let type = compound.getInteger(at: offset + 1, as: UInt8.self),
                let words = compound.getInteger(at: offset + 2, as: UInt16.self)
            else { break }
            let size = (Int(words) + 1) * 4
            guard offset + size <= end else { break }
            if type == 200, size >= length, let ssrc = compound.getInteger(at: offset + 4, as: UInt32.self) {
                found.append((ssrc, offset))
            }
            offset += size
        }
        return found
    }

    /// The SR at `offset` of `compound`, without report blocks, sent as `ssrc`.
    static func rewritten(_ compound: ByteBuffer, at offset: Int, as ssrc: UInt32) -> ByteBuffer? {
        guard var report = compound.getSlice(at: offset, length: length) else { return nil }
        report.setInteger(UInt8(0x80), at: report.readerIndex)  // V=2, no padding, RC=0
        report.setInteger(UInt16(length / 4 - 1), at: report.readerIndex + 2)
        report.setInteger(ssrc, at: report.readerIndex + 4)
        return report
    }
}
