public import MeetRTP

/// The smoothed loudness of one audio track, from the RFC 6464 levels its
/// sender writes into every packet: what the node ranks active speakers by.
///
/// Per packet (``observe(_:)``) it only counts: packets, packets loud enough
/// to be speech, and the sum of their levels (integer adds, no allocation).
/// Once per report interval (``closeWindow()``) it turns the window into one
/// figure and smooths it:
///
/// - a window is *active* when at least ``Configuration/minActiveShare`` of
///   its packets are at or above ``Configuration/activeLevel`` (−45 dBov by
///   default): a cough or a click does not make a speaker (LiveKit's
///   `MinPercentile`);
/// - a sender that has ever set the voice-activity bit runs a detector
///   (Chromium can, aiortc does not), so from then on only packets it marks
///   as voice count as active: typing or music above the threshold does not
///   make a speaker;
/// - an active window scores its share of active packets times the mean
///   loudness of those packets on a 0...1 scale (0 = −127 dBov, 1 = 0 dBov),
///   so steady speech outranks short bursts (mediasoup's AudioLevelObserver
///   averages dBov per interval; LiveKit weighs by the active share);
/// - the score goes into an exponential moving average with factor
///   ``Configuration/smoothing`` (2/(N+1) for N windows, LiveKit's
///   `SmoothIntervals`), so the ranking does not flicker between words.
///
/// ``level`` is the smoothed figure in percent, in steps of
/// ``Configuration/step``: coarse on purpose, so the node reports a room only
/// when something audible changed. 0 means silent.
public struct AudioLevelMeter: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// The quietest level (−dBov) that counts as speech.
        public var activeLevel: UInt8
        /// The share of a window's packets that must be speech.
        public var minActiveShare: Double
        /// Weight of the newest window in the moving average (0 < x ≤ 1).
        public var smoothing: Double
        /// ``level`` is a multiple of this many percent.
        public var step: Int

        public init(activeLevel: UInt8 = 45, minActiveShare: Double = 0.4, smoothing: Double = 2.0 / 3.0, step: Int = 5) {
            self.activeLevel = activeLevel
            self.minActiveShare = minActiveShare
            self.smoothing = smoothing
            self.step = max(1, step)
        }
    }

    public let configuration: Configuration
    private var packets: UInt32 = 0
    private var activePackets: UInt32 = 0
    /// Sum of (127 − level) over the window's active packets.
    private var activeLoudness: UInt32 = 0
    /// The sender sets the V bit, so it means something.
    public private(set) var sendsVoiceActivity = false
    private var smoothed = 0.0
    /// The smoothed loudness in percent (a multiple of `step`); 0: silent.
    public private(set) var level = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Per packet: counts one packet's level.
    @inline(__always)
    public mutating func observe(_ sample: RTPAudioLevel) {
        packets &+= 1
        if sample.voiceActivity { sendsVoiceActivity = true }
        guard sample.level <= configuration.activeLevel, sample.voiceActivity || !sendsVoiceActivity else { return }
        activePackets &+= 1
        activeLoudness &+= UInt32(RTPAudioLevel.silent - sample.level)
    }

    /// Ends the window (the node's report interval): scores it, smooths,
    /// and starts the next. A window without packets scores 0 (a muted or
    /// stopped sender fades out). Returns ``level``.
    @discardableResult
    public mutating func closeWindow() -> Int {
        var score = 0.0
        if packets > 0, activePackets > 0, Double(activePackets) >= configuration.minActiveShare * Double(packets) {
            let share = Double(activePackets) / Double(packets)
            let loudness = Double(activeLoudness) / Double(activePackets) / Double(RTPAudioLevel.silent)
            score = share * loudness
        }
        smoothed += configuration.smoothing * (score - smoothed)
        let step = Double(configuration.step)
        level = Int((smoothed * 100 / step).rounded()) * configuration.step
        packets = 0
        activePackets = 0
        activeLoudness = 0
        return level
    }
}
