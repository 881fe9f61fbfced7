/// What the delay trend says about the path (draft-ietf-rmcat-gcc-02 §5.4).
public enum BandwidthUsage: Sendable, Equatable {
    case normal
    /// A queue grows: send less.
    case overusing
    /// A queue drains: hold, let it empty.
    case underusing
}

/// GCC's over-use detector with its adaptive threshold
/// (draft-ietf-rmcat-gcc-02 §5.4–5.5; libwebrtc's `TrendlineEstimator::Detect`):
/// over-use when the modified trend stays above the threshold for more than
/// `overuseTime` (10 ms) over at least two samples and is not falling;
/// under-use below minus the threshold. The threshold follows the trend's
/// magnitude (up slowly, `kUp`, down faster, `kDown`) so that a competing
/// TCP flow does not starve us, within 6–600; outliers more than 15 above
/// it do not move it. Sans-I/O: times are the samples' (ms).
public struct OveruseDetector: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var initialThreshold = 12.5
        public var kUp = 0.0087
        public var kDown = 0.039
        /// ms over the threshold before signalling over-use.
        public var overuseTime = 10.0

        public init() {}
    }

    public let configuration: Configuration
    public private(set) var threshold: Double
    public private(set) var usage = BandwidthUsage.normal
    private var timeOverusing = -1.0
    private var overuseCount = 0
    private var previousTrend = 0.0
    private var lastUpdate: Double?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        threshold = configuration.initialThreshold
    }

    /// Classifies one sample of the ``TrendlineEstimator``.
    @discardableResult
    public mutating func detect(_ sample: TrendlineEstimator.Sample) -> BandwidthUsage {
        let modified = sample.modifiedTrend
        if modified > threshold {
            timeOverusing = timeOverusing < 0 ? sample.sendDelta / 2 : timeOverusing + sample.sendDelta
            overuseCount += 1
            if timeOverusing > configuration.overuseTime && overuseCount > 1 && sample.trend >= previousTrend {
                timeOverusing = 0
                overuseCount = 0
                usage = .overusing
            }
        } else if modified < -threshold {
            timeOverusing = -1
            overuseCount = 0
            usage = .underusing
        } else {
            timeOverusing = -1
            overuseCount = 0
            usage = .normal
        }
        previousTrend = sample.trend
        adaptThreshold(modified, now: sample.arrival)
        return usage
    }

    private mutating func adaptThreshold(_ modified: Double, now: Double) {
        let last = lastUpdate ?? now
        lastUpdate = now
        let magnitude = abs(modified)
        guard magnitude <= threshold + 15 else { return }
        let k = magnitude < threshold ? configuration.kDown : configuration.kUp
        let elapsed = min(max(now - last, 0), 100)
        threshold = min(max(threshold + k * (magnitude - threshold) * elapsed, 6), 600)
    }
}
