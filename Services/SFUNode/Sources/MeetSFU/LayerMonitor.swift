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
public struct LayerMonitor: Sendable {
    public static let window = Duration.milliseconds(500)
    /// About 3 frames at the lowest frame rate browsers send a layer at (~5 fps).
    public static let inactivityTimeout = Duration.seconds(1)

    /// Bits per second over the last complete window; 0 before one.
    public private(set) var bitrate = 0
    public private(set) var lastPacketAt: ContinuousClock.Instant?
    public private(set) var lastKeyframeAt: ContinuousClock.Instant?
    public private(set) var keyframes = 0
    /// From the last VP8 keyframe; nil for H.264 (sizes not parsed) or before one.
    public private(set) var width: Int?
    public private(set) var height: Int?
    private var windowStart: ContinuousClock.Instant?
    private var windowBytes = 0

    public init() {}

    /// One packet of the layer arrived (`size` bytes, RTP header included).
    public mutating func packetReceived(size: Int, now: ContinuousClock.Instant) {
        lastPacketAt = now
        guard let start = windowStart else {
            windowStart = now
            windowBytes = size
            return
        }
        let elapsed = now - start
        if elapsed >= Self.window {
            // A window with no packets after it reads as 0: the layer paused.
            bitrate = elapsed >= Self.window * 2 ? 0 : Int(Int64(windowBytes) * 8 * 1_000_000_000 / Self.window.nanosecondsValue)
            windowStart = now
            windowBytes = 0
        }
        windowBytes += size
    }

    /// The packet started a keyframe (`width`×`height` when the codec says).
    public mutating func keyframeReceived(width: Int?, height: Int?, now: ContinuousClock.Instant) {
        lastKeyframeAt = now
        keyframes += 1
        if let width, let height, width > 0, height > 0 {
            self.width = width
            self.height = height
        }
    }

    /// Whether the publisher is sending this layer now.
    public func isActive(now: ContinuousClock.Instant) -> Bool {
        guard let lastPacketAt else { return false }
        return now - lastPacketAt < Self.inactivityTimeout
    }

    /// The layer as a selector sees it at `now`.
    public func snapshot(now: ContinuousClock.Instant) -> LayerSelector.Layer {
        let active = isActive(now: now)
        return LayerSelector.Layer(isActive: active, bitrate: active ? bitrate : 0, height: height)
    }
}
