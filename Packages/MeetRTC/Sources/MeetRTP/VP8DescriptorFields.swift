/// The fields of a VP8 payload descriptor (RFC 7741 §4.2) a forwarding
/// node reads and rewrites, with where they sit: read without throwing or
/// allocating (the per-packet path of a selective forwarding unit parses
/// every VP8 packet once), rewritten in place without changing the
/// descriptor's length (``write(pictureID:tl0PicIndex:into:)``).
///
/// ``VP8PayloadDescriptor`` is the general reader; this one answers only
/// what picture-id / TL0PICIDX rewriting and temporal layer selection need.
public struct VP8DescriptorFields: Sendable, Equatable {
    /// Byte offset of the picture ID (its M byte) in the payload; -1 without one.
    public var pictureIDOffset: Int
    /// The 15-bit form (M bit): two bytes; else one byte, 7 bits.
    public var pictureIDIs15Bit: Bool
    /// The picture ID (7- or 15-bit); 0 without one.
    public var pictureID: UInt16
    /// Byte offset of TL0PICIDX in the payload; -1 without one.
    public var tl0PicIndexOffset: Int
    /// TL0PICIDX; 0 without one.
    public var tl0PicIndex: UInt8
    /// TID (0–3); -1 when the descriptor carries none (no T bit).
    public var temporalLayer: Int
    /// Y: the frame depends only on TL0 frames, so a receiver can start its layer here.
    public var layerSync: Bool
    /// S = 1 and PID = 0: the first packet of a frame.
    public var startsFrame: Bool
    /// The first packet of a keyframe (``VP8PayloadDescriptor/isKeyframe(payload:)``).
    public var isKeyframe: Bool

    public var hasPictureID: Bool { pictureIDOffset >= 0 }
    public var hasTL0PicIndex: Bool { tl0PicIndexOffset >= 0 }
    public var hasTemporalLayer: Bool { temporalLayer >= 0 }
    /// The picture ID's modulus: 2^15 or 2^7.
    public var pictureIDModulus: Int { pictureIDIs15Bit ? 1 << 15 : 1 << 7 }

    /// Reads the descriptor at the start of `payload`; nil when it is truncated.
    @inline(__always)
    public init?(payload: UnsafeRawBufferPointer) {
        let count = payload.count
        guard count > 0 else { return nil }
        let first = payload[0]
        var i = 1
        pictureIDOffset = -1
        pictureIDIs15Bit = false
        pictureID = 0
        tl0PicIndexOffset = -1
        tl0PicIndex = 0
        temporalLayer = -1
        layerSync = false
        if first & 0x80 != 0 {
            guard i < count else { return nil }
            let x = payload[i]
            i += 1
            if x & 0x80 != 0 {
                guard i < count else { return nil }
                let m = payload[i]
                pictureIDOffset = i
                i += 1
                if m & 0x80 != 0 {
                    guard i < count else { return nil }
                    pictureIDIs15Bit = true
                    pictureID = UInt16(m & 0x7F) << 8 | UInt16(payload[i])
                    i += 1
                } else {
                    pictureID = UInt16(m)
                }
            }
            if x & 0x40 != 0 {
                guard i < count else { return nil }
                tl0PicIndexOffset = i
                tl0PicIndex = payload[i]
                i += 1
            }
            if x & 0x30 != 0 {
                guard i < count else { return nil }
                let tk = payload[i]
                i += 1
                if x & 0x20 != 0 {
                    temporalLayer = Int(tk >> 6)
                    layerSync = tk & 0x20 != 0
                }
            }
        }
        startsFrame = first & 0x10 != 0 && first & 0x07 == 0
        isKeyframe = startsFrame && i < count && payload[i] & 0x01 == 0
    }

    public init?(payload: [UInt8]) {
        guard let fields = payload.withUnsafeBytes({ VP8DescriptorFields(payload: $0) }) else { return nil }
        self = fields
    }

    /// Writes `pictureID` (in this descriptor's form: the low 7 or 15 bits)
    /// and `tl0PicIndex` where this descriptor has them; the other bits and
    /// the length stay as they were.
    @inline(__always)
    public func write(pictureID: UInt16, tl0PicIndex: UInt8, into payload: UnsafeMutableRawBufferPointer) {
        if pictureIDOffset >= 0 {
            if pictureIDIs15Bit {
                payload[pictureIDOffset] = 0x80 | UInt8(truncatingIfNeeded: pictureID >> 8) & 0x7F
                payload[pictureIDOffset + 1] = UInt8(truncatingIfNeeded: pictureID)
            } else {
                payload[pictureIDOffset] = UInt8(truncatingIfNeeded: pictureID) & 0x7F
            }
        }
        if tl0PicIndexOffset >= 0 { payload[tl0PicIndexOffset] = tl0PicIndex }
    }
}
