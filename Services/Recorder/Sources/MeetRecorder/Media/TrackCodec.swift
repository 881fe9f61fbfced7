/// The codecs a track is recorded in, as negotiated (no transcoding).
public enum TrackCodec: String, Hashable, Sendable, Codable {
    case vp8 = "VP8"
    case opus = "opus"

    /// The RTP clock rate (RFC 7741 §6.1: 90000; RFC 7587 §7: 48000).
    public var clockRate: Int64 {
        switch self {
        case .vp8: 90_000
        case .opus: 48_000
        }
    }

    /// True for a video codec.
    public var isVideo: Bool { self == .vp8 }

    /// The file name extension of the per-track file.
    public var fileExtension: String { "webm" }
}
