/// The delay-based half of GCC's detector (draft-ietf-rmcat-gcc-02 §5;
/// libwebrtc's `InterArrival` and `TrendlineEstimator`, learned, not
/// copied), for one subscriber connection (#16 item 3).
///
/// Packets are grouped by send time (a group spans `groupLength`, 5 ms:
/// a frame's packets, or a burst the node forwarded at once; a packet that
/// arrives within `groupLength` of its group's last one while its
/// send-to-arrival delay shrinks joins the group too, since it was held up
/// behind it, not delayed by the path). For each pair of consecutive
/// groups the inter-group delay variation is `arrival delta − send delta`:
/// positive while a queue on the path grows. Its running sum, smoothed
/// (`smoothing`), against arrival time over the last `windowSize` groups
/// gives a slope by least squares: the trend of the queueing delay. The
/// ``OveruseDetector`` compares the trend, scaled by `thresholdGain` and the
/// number of deltas (at most 60), with its adaptive threshold.
///
/// Sans-I/O: fed the feedback's packets (send time on our clock, arrival on
/// the subscriber's, both µs) in sequence order; no clock of its own.
/// Memory: the window, reserved up front.
public struct TrendlineEstimator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// µs of send time one group spans.
        public var groupLength: Int64 = 5_000
        public var windowSize = 20
        public var smoothing = 0.9
        public var thresholdGain = 4.0

        public init() {}
    }

    /// What one completed pair of groups says.
    public struct Sample: Sendable, Equatable {
        /// The trend, scaled for the detector (ms of delay growth, roughly).
        public var modifiedTrend: Double
        /// The raw slope (delay ms per arrival ms).
        public var trend: Double
        /// Send time between the groups' last packets, ms.
        public var sendDelta: Double
        /// Arrival of the newer group (ms on the subscriber's clock).
        public var arrival: Double
    }

    private struct Group {
        var firstSend: Int64
        var lastSend: Int64
        var firstArrival: Int64
        var lastArrival: Int64
    }

    public let configuration: Configuration
    private var current: Group?
    private var previous: Group?
    private var firstArrival: Int64?
    private var accumulated = 0.0
    private var smoothed = 0.0
    private var deltas = 0
    /// (arrival ms since the first, smoothed delay ms), oldest first, at most `windowSize`.
    private var window: [(x: Double, y: Double)] = []
    public private(set) var trend = 0.0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        window.reserveCapacity(configuration.windowSize + 1)
    }

    /// Feeds one received packet; returns a sample when it completes a group pair.
    public mutating func packet(sendTime: Int64, arrivalTime: Int64) -> Sample? {
        guard var group = current else {
            current = Group(firstSend: sendTime, lastSend: sendTime, firstArrival: arrivalTime, lastArrival: arrivalTime)
            return nil
        }
        if sendTime < group.firstSend { return nil }  // reordered from an older group
        if sendTime - group.firstSend <= configuration.groupLength || belongsToBurst(group, sendTime, arrivalTime) {
            group.lastSend = max(group.lastSend, sendTime)
            group.lastArrival = max(group.lastArrival, arrivalTime)
            current = group
            return nil
        }
        var sample: Sample?
        if let previous {
            let sendDelta = Double(group.lastSend - previous.lastSend) / 1000
            let arrivalDelta = Double(group.lastArrival - previous.lastArrival) / 1000
            // A group that arrived before its predecessor (reordering, a
            // subscriber clock reset) says nothing about queues.
            if arrivalDelta >= 0 { sample = update(arrivalDelta: arrivalDelta, sendDelta: sendDelta, at: group.lastArrival) }
        }
        previous = group
        current = Group(firstSend: sendTime, lastSend: sendTime, firstArrival: arrivalTime, lastArrival: arrivalTime)
        return sample
    }

    private func belongsToBurst(_ group: Group, _ sendTime: Int64, _ arrivalTime: Int64) -> Bool {
        let arrivalDelta = arrivalTime - group.lastArrival
        let propagationDelta = arrivalDelta - (sendTime - group.lastSend)
        return propagationDelta < 0 && arrivalDelta <= configuration.groupLength && arrivalTime - group.firstArrival < 100_000
    }

    private mutating func update(arrivalDelta: Double, sendDelta: Double, at arrival: Int64) -> Sample {
        let first = firstArrival ?? arrival
        firstArrival = first
        deltas = min(deltas + 1, 1000)
        accumulated += arrivalDelta - sendDelta
        smoothed = configuration.smoothing * smoothed + (1 - configuration.smoothing) * accumulated
        window.append((x: Double(arrival - first) / 1000, y: smoothed))
        if window.count > configuration.windowSize { window.removeFirst() }
        if window.count == configuration.windowSize, let slope = Self.slope(window) { trend = slope }
        let modified = Double(min(deltas, 60)) * trend * configuration.thresholdGain
        return Sample(modifiedTrend: modified, trend: trend, sendDelta: sendDelta, arrival: Double(arrival) / 1000)
    }

    /// Least-squares slope of y over x; nil when every x is the same.
    static func slope(_ points: [(x: Double, y: Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let count = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / count
        let meanY = points.reduce(0) { $0 + $1.y } / count
        var numerator = 0.0
        var denominator = 0.0
        for point in points {
            numerator += (point.x - meanX) * (point.y - meanY)
            denominator += (point.x - meanX) * (point.x - meanX)
        }
        return denominator == 0 ? nil : numerator / denominator
    }
}
