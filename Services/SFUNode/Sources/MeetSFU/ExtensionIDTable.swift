/// Re-numbers one-byte RTP header extensions (RFC 8285 §4.2) from the ids
/// a publisher negotiated to the ids of one subscriber's SDP, in place.
///
/// Each side numbers its extensions itself (`a=extmap:ID URI`, RFC 8285
/// §5), so a packet forwarded as is would carry, say, the publisher's
/// audio-level id where the subscriber expects the mid. An id the subscriber
/// did not negotiate becomes ``unusedID``, which a receiver skips (RFC 8285
/// §4.2: unknown ids are ignored), so the element layout never changes and
/// no byte moves.
///
/// The table is 15 nibbles packed into one `UInt64` (publisher id → new id),
/// stored inline in a `DownTrack`: applying it is a loop over the extension
/// block with shifts, no lookup structure and no allocation.
public struct ExtensionIDTable: Sendable, Hashable {
    /// An id inside the one-byte range that no offer of the node uses.
    public static let unusedID: UInt8 = 14

    /// Nibble `i` is the new id for publisher id `i` (1...14).
    private var packed: UInt64 = 0

    /// - Parameters:
    ///   - publisher: URI → id as negotiated with the publisher.
    ///   - subscriber: URI → id as negotiated with the subscriber.
    /// Nil when nothing needs rewriting (every publisher id means the same on both sides).
    public init?(publisher: [String: UInt8], subscriber: [String: UInt8]) {
        guard !publisher.allSatisfy({ subscriber[$0.key] == $0.value }) else { return nil }
        for id in 1...14 { set(UInt8(id), to: Self.unusedID) }
        for (uri, from) in publisher where (1...14).contains(from) {
            if let to = subscriber[uri], (1...14).contains(to) { set(from, to: to) }
        }
    }

    /// The new id for publisher id `id` (1...14).
    public func map(_ id: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: packed >> (UInt64(id) * 4)) & 0x0F
    }

    private mutating func set(_ id: UInt8, to value: UInt8) {
        let shift = UInt64(id) * 4
        packed = packed & ~(0x0F << shift) | UInt64(value & 0x0F) << shift
    }

    /// Rewrites the ids of the packet's one-byte extension block (profile
    /// 0xBEDE). Packets without extensions, with the two-byte form, or
    /// malformed ones are left as they are.
    public func apply(to packet: UnsafeMutableRawBufferPointer) {
        guard packet.count >= 12, packet[0] & 0x10 != 0 else { return }
        let start = 12 + 4 * Int(packet[0] & 0x0F)
        guard start + 4 <= packet.count, packet[start] == 0xBE, packet[start + 1] == 0xDE else { return }
        let words = Int(packet[start + 2]) << 8 | Int(packet[start + 3])
        var offset = start + 4
        let end = min(offset + 4 * words, packet.count)
        while offset < end {
            let byte = packet[offset]
            let id = byte >> 4
            if id == 0 {  // padding
                offset += 1
                continue
            }
            if id == 15 { return }  // RFC 8285 §4.2: stop processing
            packet[offset] = map(id) << 4 | (byte & 0x0F)
            offset += 2 + Int(byte & 0x0F)
        }
    }
}
