/// What the node knows of one simulcast layer of a published track: its
/// bitrate, when it last sent a packet and a keyframe, and its picture size
/// (from its last VP8 keyframe). The ``LayerSelector`` of every subscriber
/// of the track reads it to pick a layer; sans-I/O, with the clock passed
/// in, and allocation-free (a few integers), so the forwarding path updates
/// it on every packet.
///
/// The bitrate is measured over fixed windows of `window` (500 ms): the
/// last complete window's bytes × 8 / window. Browsers stop sending a
/// layer they cannot afford (or whose resolution would be too small), so a
/// layer with no packet for `inactivityTimeout` counts as inactive and is
/// never selected.
///
/// **A stall is noticed sooner** (session 14): the monitor learns the
/// layer's frame interval (wall time between new RTP timestamps, smoothed),
/// and a layer silent for `stallFrames` of its frame intervals (at least
/// `minimumStall`) while another layer of its group kept sending all that
/// time counts as stopped for the selectors (``snapshot(now:groupLastPacketAt:)``):
/// when Chromium drops its top layer (its uplink estimate, its CPU) the
/// others go on, and its subscribers move to the best layer still sent
/// after about 250 ms instead of 1 s. All layers silent together is the
/// publisher's path or the publisher stalling, not a layer stopped: only
/// `inactivityTimeout` applies then (switching would not help).
public struct LayerMonitor: Sendable {
    public static let window = Duration.milliseconds(500)
    /// About 3 frames at the lowest frame rate browsers send a layer at (~5 fps).
    public static let inactivityTimeout = Duration.seconds(1)
    /// Frame intervals of silence, with the group's other layers flowing, that make a stall.
    public static let stallFrames = 4
    /// The shortest stall: 7–8 frames at 30 fps, beyond the gaps a publisher's
    /// pacer or a busy node leave between one layer's packets.
    public static let minimumStall = Duration.milliseconds(250)
    /// A gap between frames longer than this is a pause, not the layer's pace: it counts as this.
    static let longestFrameInterval = Duration.milliseconds(250)

    /// Bits per second over the last complete window; 0 before one.
    public private(set) var bitrate = 0
    public private(set) var lastPacketAt: ContinuousClock.Instant?
    public private(set) var lastKeyframeAt: ContinuousClock.Instant?
    public private(set) var keyframes = 0
    /// The last keyframe's RTP timestamp, and whether one of its packets gave its size.
    private var lastKeyframeTimestamp: UInt32?
    private var keyframeSized = false
    /// From the last VP8 keyframe; nil for H.264 (sizes not parsed) or before one.
    public private(set) var width: Int?
    public private(set) var height: Int?
    /// The layer's smoothed wall time between frames (new RTP timestamps); nil before two frames.
    public private(set) var frameInterval: Duration?
    /// Bits and frames per second per temporal layer (cumulative up to each
    /// TID) over the last complete window, for a VP8 layer whose packets
    /// carry TIDs (session 15); empty otherwise.
    public private(set) var temporal = TemporalRates()
    private var windowTemporal = TemporalRates()
    private var windowStart: ContinuousClock.Instant?
    private var windowBytes = 0
    private var lastTimestamp: UInt32?
    private var lastFrameAt: ContinuousClock.Instant?

    public init() {}

    /// One packet of the layer arrived (`size` bytes, RTP header included;
    /// `timestamp`, its RTP timestamp, for the frame interval;
    /// `temporalLayer`, its VP8 TID, -1 without one).
    public mutating func packetReceived(
        size: Int, timestamp: UInt32? = nil, temporalLayer: Int = -1, now: ContinuousClock.Instant
    ) {
        lastPacketAt = now
        let newFrame = timestamp.map { frameStarted(timestamp: $0, now: now) } ?? false
        guard let start = windowStart else {
            windowStart = now
            windowBytes = size
            if temporalLayer >= 0 { windowTemporal.add(bytes: size, frames: newFrame ? 1 : 0, tid: temporalLayer) }
            return
        }
        let elapsed = now - start
        if elapsed >= Self.window {
            // A window with no packets after it reads as 0: the layer paused.
            bitrate = elapsed >= Self.window * 2 ? 0 : Int(Int64(windowBytes) * 8 * 1_000_000_000 / Self.window.nanosecondsValue)
            temporal = elapsed >= Self.window * 2
                ? TemporalRates()
                : windowTemporal.cumulative(scale: 8, divisor: Double(Self.window.nanosecondsValue) / 1e9)
            windowTemporal = TemporalRates()
            windowStart = now
            windowBytes = 0
        }
        windowBytes += size
        if temporalLayer >= 0 { windowTemporal.add(bytes: size, frames: newFrame ? 1 : 0, tid: temporalLayer) }
    }

    /// A packet with a timestamp later than the last one's starts a frame
    /// (a reordered older one does not); the gap since the last frame goes
    /// into the interval (7/8 of the old one, 1/8 of the new).
    @discardableResult
    private mutating func frameStarted(timestamp: UInt32, now: ContinuousClock.Instant) -> Bool {
        if let last = lastTimestamp, Int32(bitPattern: timestamp &- last) <= 0 { return false }
        if let at = lastFrameAt, lastTimestamp != nil {
            let gap = min(now - at, Self.longestFrameInterval)
            frameInterval = frameInterval.map { ($0 * 7 + gap) / 8 } ?? gap
        }
        lastTimestamp = timestamp
        lastFrameAt = now
        return true
    }

    /// A packet of a keyframe (`width`×`height` when the codec says).
    /// `timestamp`: its RTP timestamp; the keyframe's further packets (an
    /// H.264 keyframe's STAP-A with its SPS, then its IDR's first fragment)
    /// count once. nil: every call counts.
    public mutating func keyframeReceived(width: Int?, height: Int?, timestamp: UInt32? = nil, now: ContinuousClock.Instant) {
        if timestamp == nil || timestamp != lastKeyframeTimestamp {
            lastKeyframeAt = now
            keyframes += 1
            lastKeyframeTimestamp = timestamp
            keyframeSized = false
        }
        if let width, let height, width > 0, height > 0 {
            self.width = width
            self.height = height
            keyframeSized = true
        }
    }

    /// Whether the keyframe with RTP timestamp `timestamp` was counted and
    /// its picture size read already: its further packets need no parse.
    public func hasSizedKeyframe(timestamp: UInt32) -> Bool {
        keyframeSized && lastKeyframeTimestamp == timestamp
    }

    /// Whether the publisher is sending this layer now.
    public func isActive(now: ContinuousClock.Instant) -> Bool {
        guard let lastPacketAt else { return false }
        return now - lastPacketAt < Self.inactivityTimeout
    }

    /// The silence that makes a stall: `stallFrames` frame intervals, at
    /// least `minimumStall`, at most `inactivityTimeout` (that too before
    /// an interval is known).
    public var stallTimeout: Duration {
        guard let frameInterval else { return Self.inactivityTimeout }
        return min(max(frameInterval * Self.stallFrames, Self.minimumStall), Self.inactivityTimeout)
    }

    /// Whether the layer stalled: silent for ``stallTimeout`` while another
    /// layer of its group sent throughout (its last packet, `groupLastPacketAt`,
    /// at least that long after this layer's).
    public func isStalled(now: ContinuousClock.Instant, groupLastPacketAt: ContinuousClock.Instant?) -> Bool {
        guard let lastPacketAt, let groupLastPacketAt else { return false }
        let limit = stallTimeout
        return now - lastPacketAt >= limit && groupLastPacketAt - lastPacketAt >= limit
    }

    /// The layer as a selector sees it at `now`; `groupLastPacketAt`: the
    /// latest packet of the group's other layers (a stall makes it inactive).
    public func snapshot(now: ContinuousClock.Instant, groupLastPacketAt: ContinuousClock.Instant? = nil) -> LayerSelector.Layer {
        let active = isActive(now: now) && !isStalled(now: now, groupLastPacketAt: groupLastPacketAt)
        return LayerSelector.Layer(
            isActive: active, bitrate: active ? bitrate : 0, height: height, temporal: active ? temporal : TemporalRates())
    }
}
