/// The picture size a VP8 keyframe starts with (RFC 6386 §9.1), read from
/// the first packet of the frame: after the payload descriptor, the 3-byte
/// frame tag, the start code `9d 01 2a`, then width and height as 16-bit
/// little-endian fields whose low 14 bits are the size (the top 2 bits
/// are the upscaling mode, ignored here).
///
/// ```
///  frame tag (3)  | 9d 01 2a | width: 14 bits + 2 scale | height: 14 + 2
/// ```
///
/// A forwarder learns each simulcast layer's resolution from it without
/// trusting the SDP (browsers put no `max-width` in their `a=rid`).
public struct VP8KeyframeHeader: Hashable, Sendable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Offsets within the VP8 payload (after the descriptor), RFC 6386 §9.1.
    static let startCodeOffset = 3
    static let sizeOffset = 6
    static let headerLength = 10

    /// The size in `payload` (an RTP payload, descriptor first) when it is
    /// the first packet of a keyframe; nil otherwise or when truncated.
    public init?(payload: UnsafeRawBufferPointer) {
        guard VP8PayloadDescriptor.isKeyframe(payload: payload),
              let descriptor = try? VP8PayloadDescriptor(parsing: payload),
              payload.count >= descriptor.length + Self.headerLength
        else { return nil }
        let start = descriptor.length
        guard payload[start + Self.startCodeOffset] == 0x9D, payload[start + Self.startCodeOffset + 1] == 0x01,
              payload[start + Self.startCodeOffset + 2] == 0x2A
        else { return nil }
        func field(_ offset: Int) -> Int {
            (Int(payload[start + offset]) | Int(payload[start + offset + 1]) << 8) & 0x3FFF
        }
        self.init(width: field(Self.sizeOffset), height: field(Self.sizeOffset + 2))
    }

    public init?(payload: [UInt8]) {
        guard let header = payload.withUnsafeBytes({ VP8KeyframeHeader(payload: $0) }) else { return nil }
        self = header
    }
}
