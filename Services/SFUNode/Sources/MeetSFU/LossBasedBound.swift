/// The loss-based bound of one subscriber connection's estimate
/// (draft-ietf-rmcat-gcc-02 §6; libwebrtc's `SendSideBandwidthEstimation`
/// before its v2): over each `interval` of transport-wide feedback, the
/// fraction of packets reported lost.
///
/// - Above `highLoss` (10 %): the bound drops to `min(bound, acked) × (1 − loss / 2)`.
/// - Between: it holds.
/// - Below `lowLoss` (2 %): it grows by `increase` (8 %) per interval, or
///   at once to `carried` (0.85) × the acked bitrate when that is more
///   (received with almost no loss, so carried), and
///   is lifted altogether once it passes the delay-based estimate: loss
///   then limits nothing, delay does.
///
/// The delay-based estimator sees a queue before it overflows; this bound
/// catches what it cannot see: a policer or a lossy radio that drops
/// without queueing. Sans-I/O.
public struct LossBasedBound: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var interval = Duration.milliseconds(500)
        /// Packets an interval needs before it counts (a handful says little).
        public var minimumPackets = 20
        public var lowLoss = 0.02
        public var highLoss = 0.10
        public var increase = 1.08
        /// The bound at low loss is at least this × the acked bitrate (as the delay-based decrease's `beta`).
        public var carried = 0.85

        public init() {}
    }

    public let configuration: Configuration
    /// Bits/s; nil while loss limits nothing.
    public private(set) var bound: Double?
    /// The loss fraction of the last interval that counted.
    public private(set) var lossFraction = 0.0
    private var received = 0
    private var lost = 0
    private var intervalStart: ContinuousClock.Instant?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A probe carried `bitrate` with little loss: the bound is at least that.
    public mutating func lift(to bitrate: Double) {
        if let current = bound, current < bitrate { bound = bitrate }
    }

    /// Counts one feedback's packets; at the end of an interval updates the
    /// bound from the loss seen, the acked bitrate and the delay-based estimate.
    public mutating func update(
        received: Int, lost: Int, acked: Double?, delayBased: Double, now: ContinuousClock.Instant
    ) {
        self.received += received
        self.lost += lost
        let start = intervalStart ?? now
        intervalStart = start
        guard now - start >= configuration.interval, self.received + self.lost >= configuration.minimumPackets else {
            return
        }
        lossFraction = Double(self.lost) / Double(self.received + self.lost)
        self.received = 0
        self.lost = 0
        intervalStart = now
        if lossFraction > configuration.highLoss {
            let base = min(bound ?? delayBased, acked ?? delayBased)
            bound = base * (1 - lossFraction / 2)
        } else if lossFraction < configuration.lowLoss, let current = bound {
            // Up by 8 % an interval, and at once to `carried` × what was just
            // received with (almost) no loss: that much the path carries.
            let next = max(current * configuration.increase, configuration.carried * (acked ?? 0))
            bound = next >= delayBased ? nil : next
        }
    }
}
