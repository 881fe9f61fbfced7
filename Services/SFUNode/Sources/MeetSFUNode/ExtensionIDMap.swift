import NIOCore

/// Re-numbers RTP header extensions (RFC 8285) from the ids a publisher
/// negotiated to the ids of a subscriber's offer, in place.
///
/// Each side numbers its extensions itself (`a=extmap:ID URI`), so a packet
/// forwarded as is would carry, say, Chrome's audio-level id where the
/// subscriber expects the mid. Ids the subscriber did not negotiate become
/// ``unusedID``, which a receiver ignores (RFC 8285 §4.2: unknown ids are
/// skipped), so the element layout never changes and no byte moves.
struct ExtensionIDMap: Sendable, Equatable {
    /// An id inside the one-byte range that no offer of this node uses.
    static let unusedID: UInt8 = 14

    /// Publisher id → subscriber id, for one-byte ids 1...14.
    private var table: [UInt8]
    /// Whether every publisher id has the same id on the subscriber (nothing to rewrite).
    let isIdentity: Bool

    /// - Parameters:
    ///   - publisher: URI → id as negotiated with the publisher.
    ///   - subscriber: URI → id in the subscriber offer.
    init(publisher: [String: UInt8], subscriber: [String: UInt8]) {
        table = Array(repeating: Self.unusedID, count: 16)
        isIdentity = publisher.allSatisfy { subscriber[$0.key] == $0.value }
        for (uri, from) in publisher where (1...14).contains(from) {
            if let to = subscriber[uri], (1...14).contains(to) { table[Int(from)] = to }
        }
    }

    /// Rewrites the ids of a one-byte-header extension block (profile
    /// 0xBEDE, RFC 8285 §4.2) of the RTP packet starting at `start`. Packets
    /// without extensions, with the two-byte form, or malformed ones are left as
    /// they are.
    func rewrite(_ packet: inout ByteBuffer, at start: Int) {
        guard let first = packet.getInteger(at: start, as: UInt8.self), first & 0x10 != 0 else { return }
        let csrcCount = Int(first & 0x0F)
        let extensionStart = start + 12 + 4 * csrcCount
        guard let profile = packet.getInteger(at: extensionStart, as: UInt16.self), profile == 0xBEDE,
            let words = packet.getInteger(at: extensionStart + 2, as: UInt16.self)
        else { return }
        var offset = extensionStart + 4
        let end = min(offset + 4 * Int(words), packet.readerIndex + packet.readableBytes)
        while offset < end, let byte = packet.getInteger(at: offset, as: UInt8.self) {
            let id = byte >> 4
            if id == 0 {  // padding
                offset += 1
                continue
            }
            if id == 15 { return }  // RFC 8285 §4.2: stop processing
            packet.setInteger(table[Int(id)] << 4 | (byte & 0x0F), at: offset)
            offset += 2 + Int(byte & 0x0F)
        }
    }

    /// `a=extmap` ids per `a=mid` of an SDP text: mid → (URI → id).
    static func extensions(inSDP sdp: String) -> [String: [String: UInt8]] {
        var result: [String: [String: UInt8]] = [:]
        var mid: String?
        var current: [String: UInt8] = [:]
        func flush() {
            if let mid { result[mid] = current }
        }
        for rawLine in sdp.split(whereSeparator: \.isNewline) {
            let line = String(rawLine)
            if line.hasPrefix("m=") {
                flush()
                mid = nil
                current = [:]
            } else if line.hasPrefix("a=mid:") {
                mid = String(line.dropFirst(6))
            } else if line.hasPrefix("a=extmap:") {
                let parts = line.dropFirst(9).split(separator: " ")
                guard parts.count >= 2, let id = UInt8(parts[0].split(separator: "/")[0]) else { continue }
                current[String(parts[1])] = id
            }
        }
        flush()
        return result
    }
}
