/// The VP8 payload descriptor at the start of each VP8 RTP payload (RFC 7741 §4.2),
/// read far enough to find the VP8 payload header and detect keyframes.
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   | (OPTIONAL, 15-bit when M)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// ```
public struct VP8PayloadDescriptor: Hashable, Sendable {
    /// N: this frame can be discarded without affecting others.
    public var nonReference: Bool
    /// S: the first packet of a VP8 partition.
    public var startOfPartition: Bool
    /// PID: the partition index (0–7).
    public var partitionIndex: UInt8
    /// 7- or 15-bit picture ID.
    public var pictureID: UInt16?
    /// True when the picture ID is the 15-bit form (M bit).
    public var pictureIDIs15Bit: Bool
    public var tl0PicIndex: UInt8?
    /// Temporal layer index (TID).
    public var temporalLayer: UInt8?
    /// Y: layer sync.
    public var layerSync: Bool
    public var keyIndex: UInt8?
    /// Bytes of descriptor; the VP8 payload (header) starts here.
    public var length: Int

    /// Parses the descriptor at the start of an RTP payload.
    public init(parsing payload: UnsafeRawBufferPointer) throws {
        var i = 0
        func next() throws -> UInt8 {
            guard i < payload.count else { throw RTPParseError.truncated(needed: i + 1, available: payload.count) }
            defer { i += 1 }
            return payload[i]
        }
        let first = try next()
        nonReference = first & 0x20 != 0
        startOfPartition = first & 0x10 != 0
        partitionIndex = first & 0x07
        pictureID = nil
        pictureIDIs15Bit = false
        tl0PicIndex = nil
        temporalLayer = nil
        layerSync = false
        keyIndex = nil
        if first & 0x80 != 0 {
            let x = try next()
            if x & 0x80 != 0 {
                let m = try next()
                if m & 0x80 != 0 {
                    pictureIDIs15Bit = true
                    pictureID = UInt16(m & 0x7F) << 8 | UInt16(try next())
                } else {
                    pictureID = UInt16(m)
                }
            }
            if x & 0x40 != 0 { tl0PicIndex = try next() }
            if x & 0x30 != 0 {
                let tk = try next()
                if x & 0x20 != 0 {
                    temporalLayer = tk >> 6
                    layerSync = tk & 0x20 != 0
                }
                if x & 0x10 != 0 { keyIndex = tk & 0x1F }
            }
        }
        length = i
    }

    public init(parsing payload: [UInt8]) throws {
        self = try payload.withUnsafeBytes { try VP8PayloadDescriptor(parsing: $0) }
    }

    /// True when the payload starts a VP8 keyframe: the first packet of partition 0
    /// (S=1, PID=0) whose VP8 payload header has the P bit clear (RFC 7741 §4.3,
    /// RFC 6386 §9.1: "0 for key frames").
    public static func isKeyframe(payload: UnsafeRawBufferPointer) -> Bool {
        guard let d = try? VP8PayloadDescriptor(parsing: payload),
              d.startOfPartition, d.partitionIndex == 0, d.length < payload.count
        else { return false }
        return payload[d.length] & 0x01 == 0
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool {
        payload.withUnsafeBytes { isKeyframe(payload: $0) }
    }
}
