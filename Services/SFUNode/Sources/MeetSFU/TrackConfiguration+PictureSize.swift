import MeetRTP

extension TrackConfiguration.Codec {
    /// The picture size a keyframe packet declares, for a simulcast layer's
    /// monitor (`PublishedTrack.observeLayer`, called on keyframe packets
    /// only): VP8's keyframe header (RFC 6386 §9.1, the frame's first
    /// packet); H.264's sequence parameter set (a single SPS, one in a
    /// STAP-A, as browsers send it before the IDR, or an FU-A's first
    /// fragment). Nil for other packets of the keyframe (an H.264 IDR
    /// slice) and other codecs: the monitor keeps the size it has.
    public func pictureSize(keyframe payload: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        switch self {
        case .vp8: VP8KeyframeHeader(payload: payload).map { ($0.width, $0.height) }
        case .h264: H264SequenceParameterSet(rtpPayload: payload).map { ($0.width, $0.height) }
        case .opus, .other: nil
        }
    }
}
