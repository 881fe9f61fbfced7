/// One whole coded frame taken out of RTP, ready for the muxer: a VP8 frame
/// (every packet of one picture, descriptors removed) or one Opus packet.
public struct MediaFrame: Hashable, Sendable {
    /// The coded bytes, as the encoder produced them.
    public var data: [UInt8]
    /// The RTP timestamp, extended to 64 bits (RFC 3550 §A.1).
    public var rtpTimestamp: Int64
    /// A frame a decoder can start from: a VP8 keyframe; every Opus packet.
    public var isKeyframe: Bool
    /// The picture size a VP8 keyframe declares (RFC 6386 §9.1); nil otherwise.
    public var videoSize: VideoSize?

    public init(data: [UInt8], rtpTimestamp: Int64, isKeyframe: Bool, videoSize: VideoSize? = nil) {
        self.data = data
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
        self.videoSize = videoSize
    }
}

/// A picture size in pixels.
public struct VideoSize: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)x\(height)" }
}
