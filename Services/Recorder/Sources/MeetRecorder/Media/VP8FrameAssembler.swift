public import MeetRTP

/// Rebuilds VP8 frames from in-order RTP packets (RFC 7741 §4): strips each
/// packet's payload descriptor, joins the packets of one picture (one RTP
/// timestamp, ended by the marker bit) and hands the frame on.
///
/// A frame with a hole in it is dropped, never written: after a loss the
/// frames that follow reference what was lost, so the assembler drops
/// everything until the next keyframe and asks for one (`needKeyframe`, which
/// the recorder turns into a PLI). The file holds no corrupt frame, only a
/// gap. Frames over `maximumFrameBytes` are dropped the same way (bounded memory).
public struct VP8FrameAssembler: Sendable {
    public enum Output: Hashable, Sendable {
        case frame(MediaFrame)
        /// Decoding cannot continue without a keyframe.
        case needKeyframe
    }

    public let maximumFrameBytes: Int
    private var gate = KeyframeGate()
    private var bytes: [UInt8] = []
    private var timestamp: Int64?
    private var broken = false

    /// Frames dropped because they were incomplete, malformed, too big, or
    /// followed a loss before the next keyframe.
    public var droppedFrames: Int { gate.droppedFrames }
    /// True while frames are dropped until a keyframe (the recorder repeats its PLI).
    public var isWaitingForKeyframe: Bool { gate.isWaiting }

    public init(maximumFrameBytes: Int = 4 << 20) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Takes the next packet in sequence order; `timestamp` is its extended RTP timestamp.
    public mutating func append(_ packet: RTPPacket, timestamp: Int64) -> [Output] {
        var out: [Output] = []
        if let current = self.timestamp, current != timestamp {
            // The marker of the previous picture never came but nothing was lost: it ended.
            finish(into: &out)
        }
        let descriptor = try? VP8PayloadDescriptor(parsing: packet.payload)
        if self.timestamp == nil {
            self.timestamp = timestamp
            // A picture starts with the first packet of partition 0.
            if descriptor?.startOfPartition != true || descriptor?.partitionIndex != 0 { broken = true }
        }
        if let descriptor, descriptor.length < packet.payload.count, !broken {
            if bytes.count + packet.payload.count - descriptor.length > maximumFrameBytes {
                broken = true
            } else {
                bytes.append(contentsOf: packet.payload[descriptor.length...])
            }
        } else {
            broken = true
        }
        if packet.marker { finish(into: &out) }
        return out
    }

    /// Packets were lost before the next one: the picture in progress is
    /// dropped and so is everything until the next keyframe.
    public mutating func lost() -> [Output] {
        if timestamp != nil { broken = true }
        gate.lost()
        var out: [Output] = []
        finish(into: &out)
        gate.request(into: &out)
        return out
    }

    private mutating func finish(into out: inout [Output]) {
        defer {
            bytes.removeAll(keepingCapacity: true)
            timestamp = nil
            broken = false
        }
        guard let timestamp else { return }
        guard !broken, !bytes.isEmpty else { return gate.broken(into: &out) }
        let size = Self.keyframeSize(bytes)
        guard gate.admit(keyframe: size != nil, into: &out) else { return }
        out.append(.frame(MediaFrame(data: bytes, rtpTimestamp: timestamp, isKeyframe: size != nil, videoSize: size)))
    }

    /// The size a keyframe declares, or nil when `frame` is not a keyframe
    /// (RFC 6386 §9.1: a 3-byte frame tag with P=0, the start code 9d 01 2a,
    /// then 14-bit width and height, little-endian, under 2-bit scales).
    public static func keyframeSize(_ frame: [UInt8]) -> VideoSize? {
        guard frame.count >= 10, frame[0] & 0x01 == 0, frame[3] == 0x9D, frame[4] == 0x01, frame[5] == 0x2A else { return nil }
        let width = (Int(frame[6]) | Int(frame[7]) << 8) & 0x3FFF
        let height = (Int(frame[8]) | Int(frame[9]) << 8) & 0x3FFF
        guard width > 0, height > 0 else { return nil }
        return VideoSize(width: width, height: height)
    }
}
