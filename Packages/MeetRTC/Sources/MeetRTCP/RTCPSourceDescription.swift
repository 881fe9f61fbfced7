import MeetBytes

/// SDES: Source Description (RFC 3550 §6.5), PT=202.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |  chunk 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    type=1     |     length    | user and domain name        ...  (items,
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+   ended by a
/// ```                                                                   zero byte,
///                                                                       padded to 4)
public struct RTCPSourceDescription: Hashable, Sendable {
    /// One SDES item: CNAME=1, NAME=2, EMAIL=3, PHONE=4, LOC=5, TOOL=6, NOTE=7, PRIV=8.
    public struct Item: Hashable, Sendable {
        public var type: UInt8
        public var value: [UInt8]
        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }
        public static func cname(_ text: String) -> Item { Item(type: cnameType, value: Array(text.utf8.prefix(255))) }
        public var text: String { String(decoding: value, as: UTF8.self) }
    }

    public struct Chunk: Hashable, Sendable {
        public var source: UInt32
        public var items: [Item]
        public init(source: UInt32, items: [Item]) {
            self.source = source
            self.items = items
        }
        /// The CNAME item's text.
        public var cname: String? { items.first { $0.type == cnameType }?.text }
    }

    public static let cnameType: UInt8 = 1

    /// At most 31.
    public var chunks: [Chunk]

    public init(chunks: [Chunk]) { self.chunks = chunks }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (header, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.sourceDescription)
        chunks = []
        for _ in 0..<header.count {
            var chunk = Chunk(source: try r.u32(), items: [])
            while true {
                let type = try r.u8()
                if type == 0 {
                    // Skip the null terminator's padding up to the next word boundary.
                    let pad = (4 - r.offset % 4) % 4
                    try r.skip(min(pad, r.remaining))
                    break
                }
                let length = Int(try r.u8())
                chunk.items.append(Item(type: type, value: try r.bytes(length)))
            }
            chunks.append(chunk)
        }
    }

    public func write(into out: inout [UInt8]) throws {
        guard chunks.count <= 31 else { throw RTCPParseError.invalidValue("\(chunks.count) SDES chunks (max 31)") }
        for chunk in chunks {
            for item in chunk.items where item.type == 0 || item.value.count > 255 {
                throw RTCPParseError.invalidValue("SDES item type \(item.type) with \(item.value.count) bytes")
            }
        }
        RTCPHeader.write(count: UInt8(chunks.count), packetType: RTCPPacketType.sourceDescription, into: &out) { out in
            let start = out.count - RTCPHeader.size
            for chunk in chunks {
                out.appendBigEndian(chunk.source)
                for item in chunk.items {
                    out.append(item.type)
                    out.append(UInt8(item.value.count))
                    out.append(contentsOf: item.value)
                }
                out.append(0)
                while (out.count - start) % 4 != 0 { out.append(0) }
            }
        }
    }
}
