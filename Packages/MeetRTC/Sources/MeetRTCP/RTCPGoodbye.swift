import MeetBytes

/// BYE: Goodbye (RFC 3550 §6.6), PT=203.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           SSRC/CSRC                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :                              ...                              :
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |     length    |               reason for leaving            ... (opt)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPGoodbye: Hashable, Sendable {
    /// At most 31.
    public var sources: [UInt32]
    public var reason: String?

    public init(sources: [UInt32], reason: String? = nil) {
        self.sources = sources
        self.reason = reason
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (header, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.goodbye)
        sources = try (0..<header.count).map { _ in try r.u32() }
        reason = nil
        if r.remaining > 0 {
            let length = Int(try r.u8())
            if length > 0 || r.remaining > 0 {
                reason = String(decoding: try r.bytes(length), as: UTF8.self)
            }
        }
    }

    public func write(into out: inout [UInt8]) throws {
        guard sources.count <= 31 else { throw RTCPParseError.invalidValue("\(sources.count) BYE sources (max 31)") }
        RTCPHeader.write(count: UInt8(sources.count), packetType: RTCPPacketType.goodbye, into: &out) { out in
            for s in sources { out.appendBigEndian(s) }
            if let reason {
                let text = Array(reason.utf8.prefix(255))
                out.append(UInt8(text.count))
                out.append(contentsOf: text)
            }
        }
    }
}
