/// Audio or video, as an SDP media section's `m=` line names it.
public enum MediaKind: String, Sendable, Hashable, Codable {
    case audio
    case video
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
    public var codecs: [CodecModel]
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
