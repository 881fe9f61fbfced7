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
    /// The simulcast layers we receive (RFC 8853: the RIDs of our answer's
    /// `a=simulcast:recv`), in that order; empty for one stream. Each layer
    /// is its own SSRC, learnt from the RtpStreamId header extension.
    public var rids: [String] = []
}

/// A media section we send on, with the SSRC we announced for it.
public struct LocalTrack: Sendable, Hashable {
    /// One simulcast layer we send (RFC 8853): its RID, written in the
    /// RtpStreamId header extension of its packets (RFC 8852), and its SSRC.
    public struct Layer: Sendable, Hashable {
        public var rid: String
        public var ssrc: UInt32

        public init(rid: String, ssrc: UInt32) {
            self.rid = rid
            self.ssrc = ssrc
        }
    }

    public var mid: String
    public var kind: MediaKind
    /// The one stream's SSRC (announced in `a=ssrc`); unused when `layers` is not empty.
    public var ssrc: UInt32
    public var cname: String
    public var streamID: String
    public var trackID: String
    /// The simulcast layers the answer accepted, lowest first; empty for
    /// one stream. Their SSRCs are not announced (as browsers do): the
    /// receiver learns them from the RID on the packets.
    public var layers: [Layer]
    /// The RTX SSRC (RFC 4588 §8.3) announced beside `ssrc` in
    /// `a=ssrc-group:FID <ssrc> <rtxSSRC>` when the offer offered RTX
    /// (``MediaPolicy/offersRTX``); whether the peer takes RTX is its
    /// answer's codecs (an `rtx` payload type whose `apt` is the media's).
    public var rtxSSRC: UInt32?

    public init(
        mid: String, kind: MediaKind, ssrc: UInt32, cname: String, streamID: String, trackID: String, layers: [Layer] = [],
        rtxSSRC: UInt32? = nil
    ) {
        self.mid = mid
        self.kind = kind
        self.ssrc = ssrc
        self.cname = cname
        self.streamID = streamID
        self.trackID = trackID
        self.layers = layers
        self.rtxSSRC = rtxSSRC
    }
}
