/// The node's bandwidth estimate toward one subscriber connection (#16
/// item 3): GCC-like, from the subscriber's transport-wide feedback on what
/// the node sent (``TransportWideSendHistory``), with the subscriber's REMB
/// as the fallback when it gives no transport-wide feedback.
///
/// Per feedback: each received packet goes to the ``TrendlineEstimator``
/// (inter-group delay variation and its trend) and the ``AckedBitrate``;
/// each completed group pair's sample to the ``OveruseDetector``, whose
/// signal drives the ``AIMDRateControl``; the received and lost counts go
/// to the ``LossBasedBound``. The estimate is the delay-based one, capped by
/// the loss bound and by a fresh REMB (`rembLifetime`).
///
/// Sans-I/O and a value: the node keeps one per subscriber connection and
/// feeds it from RTCP; tests feed it synthetic feedback with a test clock.
public struct SendSideEstimator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Where the estimate starts (bits/s) before any feedback: one 720p
        /// layer and audio, so a new subscriber of one camera starts on top
        /// (a weak path corrects it within a few feedback intervals).
        public var start = 2_000_000.0
        /// A REMB counts for this long (browsers send one about every second).
        public var rembLifetime = Duration.seconds(3)
        public var trendline = TrendlineEstimator.Configuration()
        public var detector = OveruseDetector.Configuration()
        public var rate = AIMDRateControl.Configuration()
        public var loss = LossBasedBound.Configuration()

        public init() {}
    }

    public let configuration: Configuration
    private var trendline: TrendlineEstimator
    private var detector: OveruseDetector
    private var rate: AIMDRateControl
    private var loss: LossBasedBound
    private var acked = AckedBitrate()
    private var remb: (bitrate: Double, at: ContinuousClock.Instant)?
    private var lastFeedback: ContinuousClock.Instant?
    /// The detector's last signal.
    public private(set) var usage = BandwidthUsage.normal
    /// When the detector last said over-use, or the loss bound last fell.
    public private(set) var lastCongestion: ContinuousClock.Instant?
    /// Transport-wide feedback packets taken.
    public private(set) var feedbackCount = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        trendline = TrendlineEstimator(configuration: configuration.trendline)
        detector = OveruseDetector(configuration: configuration.detector)
        rate = AIMDRateControl(start: configuration.start, configuration: configuration.rate)
        loss = LossBasedBound(configuration: configuration.loss)
    }

    /// The estimate now (bits/s). `sending`: what the node sends the
    /// connection now (bits/s), for the REMB fallback.
    ///
    /// With transport-wide feedback a fresh REMB is a cap. Without, REMB is
    /// all there is, and a receiver's estimator (libwebrtc's, aiortc's)
    /// never says more than 1.5 × what it receives: taken as is, a viewer
    /// on a low layer could never be given a higher one. So a REMB at or
    /// above what is sent (no congestion seen) allows `headroom` more, as
    /// the delay-based increase does; one below it is the limit.
    public func estimate(now: ContinuousClock.Instant, sending: Int = 0) -> Int {
        var value = rate.estimate
        if let bound = loss.bound { value = min(value, bound) }
        if let remb, now - remb.at <= configuration.rembLifetime {
            if lastFeedback != nil {
                value = min(value, remb.bitrate)
            } else {
                let sent = Double(sending)
                value = remb.bitrate >= 0.95 * sent ? max(remb.bitrate, sent + configuration.rate.headroom) : remb.bitrate
            }
        }
        return Int(max(value, configuration.rate.minimum))
    }

    /// The acked bitrate (bits/s), when known.
    public var ackedBitrate: Double? { acked.bitrate }
    /// The loss fraction of the last loss interval.
    public var lossFraction: Double { loss.lossFraction }

    /// Takes one transport-wide feedback's packets (``TransportWideSendHistory/results(of:)``).
    public mutating func feedback(_ results: [TransportWideSendHistory.PacketResult], now: ContinuousClock.Instant) {
        guard !results.isEmpty else { return }
        feedbackCount += 1
        lastFeedback = now
        var received = 0
        var lost = 0
        var signal: BandwidthUsage?
        // Send order: the history gives sequence order, which is send order.
        for result in results {
            guard let arrival = result.arrivalTime else {
                lost += 1
                continue
            }
            received += 1
            acked.add(arrival: arrival, size: result.size)
            if let sample = trendline.packet(sendTime: result.sendTime, arrivalTime: arrival) {
                let usage = detector.detect(sample)
                // Over-use anywhere in the feedback wins; else the latest signal.
                if signal != .overusing { signal = usage }
            }
        }
        if let signal {
            usage = signal
            if signal == .overusing { lastCongestion = now }
            rate.update(signal, acked: acked.bitrate, now: now)
        }
        let before = loss.bound
        loss.update(received: received, lost: lost, acked: acked.bitrate, delayBased: rate.estimate, now: now)
        if let bound = loss.bound, bound < (before ?? .infinity) {
            lastCongestion = now
            rate.cap(bound)
        }
    }

    /// A probe's result (bits/s, ``ProbeController``): what the path carried
    /// of a padding cluster. Raises the estimate to it at once (never
    /// lowers it), the loss bound with it, unless the detector says
    /// over-use now (the probe itself may have filled a queue).
    public mutating func probeResult(_ bitrate: Int, now: ContinuousClock.Instant) {
        guard usage != .overusing else { return }
        rate.raise(to: Double(bitrate), now: now)
        loss.lift(to: Double(bitrate))
    }

    /// The subscriber's REMB (bits/s).
    public mutating func receiverEstimate(_ bitrate: UInt64, now: ContinuousClock.Instant) {
        remb = (bitrate: Double(min(bitrate, UInt64(configuration.rate.maximum))), at: now)
    }

    /// Whether the path showed congestion within `period` before `now`.
    public func congested(within period: Duration, now: ContinuousClock.Instant) -> Bool {
        lastCongestion.map { now - $0 <= period } ?? false
    }
}
