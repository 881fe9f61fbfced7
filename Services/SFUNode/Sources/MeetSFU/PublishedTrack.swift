public import MeetRTP

/// Everything the node keeps per published track: the 64-bit unwrapping of
/// its counters (done once per packet, shared by all down-tracks), reception
/// statistics, the upstream NACK log, the retransmission cache, the keyframe
/// request throttle, the hard-mute flag, and the down-tracks it fans out to.
public struct PublishedTrack {
    public let configuration: TrackConfiguration
    public internal(set) var sequenceUnwrapper = RTPSequenceNumberUnwrapper()
    public internal(set) var timestampUnwrapper = RTPTimestampUnwrapper()
    public internal(set) var statistics: StreamStatistics
    public internal(set) var nackGenerator: NACKGenerator
    public internal(set) var keyframeThrottle: KeyframeRequestThrottle
    /// Nil for tracks without a cache (audio by default).
    public let cache: RetransmissionCache?
    /// The smoothed audio level (RFC 6464) of an Opus track; nil for video.
    public internal(set) var audioLevel: AudioLevelMeter?
    /// A simulcast layer's bitrate, keyframes and picture size (nil for other tracks).
    public internal(set) var layerMonitor: LayerMonitor?
    /// The stream's clock from its last sender report (nil before one):
    /// a simulcast switch maps timestamps between layers with it.
    public internal(set) var senderClock: SenderClock?
    /// When a down-track last asked this stream for a keyframe in place of
    /// a Y frame (``VP8Munger/wantsSyncKeyframe``): at most one such request
    /// every ``syncKeyframeInterval``, however many down-tracks wait.
    var syncKeyframeRequestedAt: ContinuousClock.Instant?
    static let syncKeyframeInterval = Duration.seconds(2)
    /// Hard mute: packets are still received and counted, not forwarded.
    public internal(set) var isMuted = false
    /// A simulcast group's layers (indices) dynacast told the publisher to
    /// stop (``Router/setDynacastPaused(_:ofGroup:)``); empty for other tracks.
    public internal(set) var dynacastPaused: Set<Int> = []
    /// A simulcast group's layers (bit per index) that subscribers asked a
    /// keyframe of while the throttle held their request back: the request
    /// it releases goes to them (``TrackTable/keyframeRequestSSRCs(for:subscriber:)``).
    var heldKeyframeLayers: UInt8 = 0
    /// Reserved up front for the first subscribers (at most
    /// ``initialReservation``), grown by adding one beyond that: only adding
    /// subscribers ever reallocates, never forwarding.
    public internal(set) var downTracks: ContiguousArray<DownTrack>

    /// A room of hundreds must not reserve hundreds of down-tracks for every
    /// track of every small meeting (each is a few hundred bytes).
    static let initialReservation = 32

    init(configuration: TrackConfiguration, reservedDownTracks: Int) {
        self.configuration = configuration
        statistics = StreamStatistics(clockRate: configuration.clockRate)
        nackGenerator = NACKGenerator(configuration: configuration.nack)
        keyframeThrottle = KeyframeRequestThrottle(interval: configuration.keyframeRequestInterval)
        cache = configuration.cacheSlots > 0 ? RetransmissionCache(slotCount: configuration.cacheSlots) : nil
        audioLevel = configuration.codec == .opus ? AudioLevelMeter(configuration: configuration.audioLevel) : nil
        if case .layer? = configuration.simulcast { layerMonitor = LayerMonitor() }
        downTracks = []
        downTracks.reserveCapacity(min(reservedDownTracks, Self.initialReservation))
    }

    public var ssrc: UInt32 { configuration.ssrc }

    func downTrackIndex(subscriber: Int) -> Int? {
        downTracks.firstIndex { $0.subscriber == subscriber }
    }

    /// True when some down-track is waiting for a keyframe.
    var anyWaitingForKeyframe: Bool {
        downTracks.contains { $0.waitingForKeyframe }
    }

    /// A simulcast layer's monitor: every packet's size, and its keyframes
    /// with their picture size (VP8's keyframe header, H.264's SPS).
    @inline(__always)
    mutating func observeLayer(
        packet: UnsafeRawBufferPointer, header: RTPHeader, temporalLayer: Int = -1, keyframe: inout Bool?,
        now: ContinuousClock.Instant
    ) {
        let codec = configuration.codec
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        let isKeyframe = keyframe ?? codec.isKeyframe(payload: payload)
        keyframe = isKeyframe
        layerMonitor?.packetReceived(size: packet.count, timestamp: header.timestamp, temporalLayer: temporalLayer, now: now)
        // A keyframe's further packets (same timestamp, size known) are not parsed again.
        guard isKeyframe, layerMonitor?.hasSizedKeyframe(timestamp: header.timestamp) == false else { return }
        let size = codec.pictureSize(keyframe: payload)
        layerMonitor?.keyframeReceived(width: size?.width, height: size?.height, timestamp: header.timestamp, now: now)
    }

    /// Per forwarded packet (`Router+AudioLevel`): one byte read into an
    /// audio track's meter (a few compares for video, which has no meter).
    @inline(__always)
    mutating func observeAudioLevel(_ packet: UnsafeRawBufferPointer, header: RTPHeader, extensionID: UInt8) {
        guard audioLevel != nil, let sample = RTPAudioLevel(packet: packet, header: header, extensionID: extensionID)
        else { return }
        audioLevel?.observe(sample)
    }
}
