/// The node's own receive-side bandwidth estimate for one publisher, sent
/// to it as REMB (draft-alvestrand-rmcat-remb-03) when it negotiated
/// `goog-remb` but not transport-wide CC: without either signal a sender
/// such as aiortc stays at its start bitrate for the whole call.
///
/// A loss-based AIMD controller after GCC's (draft-ietf-rmcat-gcc-02 §6),
/// run on what arrived in each interval (about a second):
/// - loss above `highLoss` (10 %): decrease to `min(estimate, incoming) ×
///   (1 − loss / 2)`; starting from what actually arrived makes a sender
///   that is far below the estimate back off at once;
/// - loss below `lowLoss` (2 %): increase by `increaseFactor` (8 %) per
///   interval, but only while the sender uses the room it has: the estimate
///   never grows past `1.5 × incoming + 10 kbit/s` (libwebrtc's
///   AimdRateControl bound), so an app-limited sender (a still slide) does
///   not get a runaway estimate it could later burst into;
/// - in between: hold;
/// - always within `minimum...maximum`.
///
/// There is no delay-based part: loss is the signal on the paths an SFU
/// sees, and a publisher that wants finer control negotiates transport-cc.
/// Sans-I/O: feed it cumulative totals and the time, it says when to send.
public struct ReceiveSideEstimator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Where the estimate starts (bits/s): above aiortc's 500 kbit/s start.
        public var start: UInt64 = 1_000_000
        public var minimum: UInt64 = 100_000
        public var maximum: UInt64 = 8_000_000
        /// How often the estimate is updated and sent.
        public var interval: Duration = .seconds(1)
        public var lowLoss = 0.02
        public var highLoss = 0.10
        public var increaseFactor = 1.08

        public init() {}
    }

    /// Cumulative receive totals of the publisher (all its tracks).
    public struct Totals: Sendable, Equatable {
        public var bytes: Int
        /// Packets expected from the sequence numbers (RFC 3550 §A.3).
        public var expected: Int64
        public var lost: Int64

        public init(bytes: Int, expected: Int64, lost: Int64) {
            self.bytes = bytes
            self.expected = expected
            self.lost = lost
        }
    }

    public let configuration: Configuration
    /// The current estimate (bits/s).
    public private(set) var estimate: UInt64
    /// Incoming bitrate and loss fraction of the last interval.
    public private(set) var incoming: UInt64 = 0
    public private(set) var lossFraction = 0.0
    private var last: (totals: Totals, at: ContinuousClock.Instant)?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimate = min(max(configuration.start, configuration.minimum), configuration.maximum)
    }

    /// Whether ``update(_:now:)`` would take totals now (the first call, or
    /// an interval since the last): the caller gathers the totals only then.
    public func isDue(now: ContinuousClock.Instant) -> Bool {
        guard let last else { return true }
        return now - last.at >= configuration.interval
    }

    /// Call on the node's timer with the publisher's totals. Returns the
    /// estimate to send when an interval has passed (nil otherwise, and
    /// for the first call, which only sets the baseline). Totals that went
    /// backwards (a track was re-registered) restart the baseline.
    public mutating func update(_ totals: Totals, now: ContinuousClock.Instant) -> UInt64? {
        guard let (previous, at) = last else {
            last = (totals, now)
            return nil
        }
        let elapsed = now - at
        guard elapsed >= configuration.interval else { return nil }
        last = (totals, now)
        let bytes = totals.bytes - previous.bytes
        let expected = totals.expected - previous.expected
        let lost = totals.lost - previous.lost
        guard bytes >= 0, expected >= 0 else { return estimate }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        incoming = UInt64(Double(bytes) * 8 / seconds)
        lossFraction = expected > 0 ? min(1, max(0, Double(lost) / Double(expected))) : 0
        var next = Double(estimate)
        if lossFraction > configuration.highLoss {
            next = Double(min(estimate, incoming)) * (1 - lossFraction / 2)
        } else if lossFraction < configuration.lowLoss, bytes > 0 {
            let bound = 1.5 * Double(incoming) + 10_000
            if next < bound { next = min(next * configuration.increaseFactor, bound) }
        }
        estimate = UInt64(min(max(next, Double(configuration.minimum)), Double(configuration.maximum)))
        return estimate
    }
}
