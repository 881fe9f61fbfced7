/// The codecs a track is recorded in, as negotiated (no transcoding).
public enum TrackCodec: String, Hashable, Sendable, Codable {
    case vp8 = "VP8"
    case opus = "opus"
    case h264 = "H264"

    /// The RTP clock rate (RFC 7741 §6.1, RFC 6184 §8.2.1: 90000; RFC 7587 §7: 48000).
    public var clockRate: Int64 {
        switch self {
        case .vp8, .h264: 90_000
        case .opus: 48_000
        }
    }

    /// True for a video codec.
    public var isVideo: Bool { self != .opus }

    /// The file name extension of the per-track file: WebM for VP8 and
    /// Opus, Matroska for H.264 (WebM allows only VP8/VP9/AV1 video).
    public var fileExtension: String { self == .h264 ? "mkv" : "webm" }

    /// The file's MIME type.
    public var contentType: String {
        switch self {
        case .vp8: "video/webm"
        case .opus: "audio/webm"
        case .h264: "video/x-matroska"
        }
    }
}
