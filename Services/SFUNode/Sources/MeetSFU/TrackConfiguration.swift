import MeetRTP

/// What the router needs to know about a published track: its SSRC, the
/// codec (to spot keyframes), the RTP clock rate (to turn a pause into
/// timestamp ticks) and how many packets to keep for retransmission.
public struct TrackConfiguration: Sendable {
    public enum Codec: Sendable, Hashable {
        case opus
        case vp8
        case h264
        /// Any other codec: forwarded, but keyframes are not recognised, so
        /// down-tracks never wait for one.
        case other

        /// True for codecs whose subscribers must start on a keyframe.
        public var isVideo: Bool { self == .vp8 || self == .h264 }

        /// Whether the RTP payload starts a keyframe (VP8 RFC 7741 §4.3,
        /// H.264 RFC 6184 §5.4). Only called while a down-track waits for one.
        public func isKeyframe(payload: UnsafeRawBufferPointer) -> Bool {
            switch self {
            case .vp8: VP8PayloadDescriptor.isKeyframe(payload: payload)
            case .h264: H264Keyframe.isKeyframe(payload: payload)
            case .opus, .other: false
            }
        }
    }

    /// RID-based simulcast (#16, `TrackTable+Simulcast`): the *group* is the one
    /// track subscribers see (its down-tracks; it receives no packets
    /// itself, and its SSRC is an id the node chose); each *layer* is one
    /// of the publisher's streams, with its own statistics, NACK log, cache
    /// and keyframe throttle, whose packets fan out through its group.
    public enum Simulcast: Sendable, Hashable {
        case group
        /// Layer `index` (the RID's place in the answer's `a=simulcast`) of the group with SSRC `group`.
        case layer(group: UInt32, index: Int)
    }

    /// The publisher's SSRC for this track (a simulcast group's: the node's id for it).
    public var ssrc: UInt32
    public var codec: Codec
    /// The payload type the publisher uses for `codec`; packets with another
    /// one are not forwarded (`Router.Drop.otherPayloadType`: the node
    /// re-registers the track when a publisher switches codecs). Nil: any.
    public var payloadType: UInt8?
    /// RTP clock rate (48 000 for Opus, 90 000 for video).
    public var clockRate: Int
    /// Retransmission cache slots; 0 disables the cache (audio: Opus relies
    /// on FEC and concealment, browsers do not NACK it).
    public var cacheSlots: Int
    /// Minimum time between keyframe requests sent upstream.
    public var keyframeRequestInterval: Duration
    public var nack: NACKGenerator.Configuration
    /// How an Opus track's audio level is smoothed (``AudioLevelMeter``).
    public var audioLevel: AudioLevelMeter.Configuration
    /// Nil for a single-stream track.
    public var simulcast: Simulcast?

    public init(ssrc: UInt32, codec: Codec, payloadType: UInt8? = nil, clockRate: Int? = nil, cacheSlots: Int? = nil,
                keyframeRequestInterval: Duration = .milliseconds(500),
                nack: NACKGenerator.Configuration = .init(), audioLevel: AudioLevelMeter.Configuration = .init(),
                simulcast: Simulcast? = nil) {
        self.ssrc = ssrc
        self.codec = codec
        self.payloadType = payloadType
        self.clockRate = clockRate ?? (codec == .opus ? 48_000 : 90_000)
        // A group receives nothing to cache: its layers hold the packets.
        self.cacheSlots = cacheSlots ?? (codec.isVideo && simulcast != .group ? RetransmissionCache.defaultSlotCount : 0)
        self.keyframeRequestInterval = keyframeRequestInterval
        self.nack = nack
        self.audioLevel = audioLevel
        self.simulcast = simulcast
    }
}
