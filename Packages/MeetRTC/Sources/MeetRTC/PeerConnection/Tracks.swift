/// Audio or video, as an SDP media section's `m=` line names it.
public enum MediaKind: String, Sendable, Hashable, Codable {
    case audio
    case video
}

/// A codec both sides agreed on for one media section.
public struct NegotiatedCodec: Sendable, Hashable {
    /// The payload type the offer gave it; the answer keeps it (RFC 8829 §5.3.1).
    public var payloadType: UInt8
    /// Encoding name as in `a=rtpmap`, e.g. "opus", "VP8", "H264".
    public var name: String
    public var clockRate: Int
    public var channels: Int?
    /// The `a=fmtp` parameters, verbatim.
    public var parameters: String?
    /// `a=rtcp-fb` values kept, e.g. "nack", "nack pli", "transport-cc".
    public var feedback: [String]

    public init(payloadType: UInt8, name: String, clockRate: Int, channels: Int? = nil, parameters: String? = nil, feedback: [String] = []) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.feedback = feedback
    }
}

/// A media section the remote side sends on: where its RTP is delivered.
public struct RemoteTrack: Sendable, Hashable {
    /// The media section's `a=mid`.
    public var mid: String
    public var kind: MediaKind
    /// SSRCs the remote announced for this section (`a=ssrc`), primary first;
    /// packets from other SSRCs are matched by the mid header extension.
    public var ssrcs: [UInt32]
    /// `a=msid` stream and track ids, when given.
    public var streamID: String?
    public var trackID: String?
    public var codecs: [NegotiatedCodec]
}

/// A media section we send on, with the SSRC we announced for it.
public struct LocalTrack: Sendable, Hashable {
    public var mid: String
    public var kind: MediaKind
    public var ssrc: UInt32
    public var cname: String
    public var streamID: String
    public var trackID: String

    public init(mid: String, kind: MediaKind, ssrc: UInt32, cname: String, streamID: String, trackID: String) {
        self.mid = mid
        self.kind = kind
        self.ssrc = ssrc
        self.cname = cname
        self.streamID = streamID
        self.trackID = trackID
    }
}
