/// GCC's rate controller (draft-ietf-rmcat-gcc-02 §5.5; libwebrtc's
/// `AimdRateControl`, learned, not copied): the delay-based estimate of one
/// subscriber connection, driven by the ``OveruseDetector``'s signal.
///
/// - Over-use: **decrease** to `beta` (0.85) × the acknowledged bitrate
///   (what the subscriber actually received, so a sender far below its
///   estimate drops at once to what the path carries), never up; the acked
///   bitrate feeds the link capacity estimate. Then hold.
/// - Under-use: **hold** (a queue drains; sending more would refill it).
/// - Normal: **increase**, from at least `beta` × the acked bitrate (what
///   the path carried without over-use; the node forwards audio and a
///   trial's lowest layer whatever its estimate, so the two can part;
///   `beta`, so that a decrease is never undone): multiplicatively (8 %
///   per second) while the link's capacity is unknown or the acked bitrate left its range (the
///   capacity changed), additively near the known capacity (about one
///   packet per response time), so the estimate settles just under it
///   instead of overshooting by 8 % every second.
/// - Never above `max(1.5 × acked, acked + headroom) + 10 kbit/s`: a
///   connection sending little (paused tiles, a still slide) must not get
///   an estimate it never tried. libwebrtc stops at 1.5 × acked and probes
///   with padding to go higher; the node probes only subscribers with RTX
///   and transport-wide feedback (``ProbeController``), and without probes
///   a subscriber on the 360p layer (~500 kbit/s) could never reach the
///   720p one (~1.7 Mbit/s). The additive `headroom` (2.5 Mbit/s: from
///   the lowest layer to the top one) lets the estimate grow into the next layer while the path
///   stays calm; the allocator's upgrade is then the probe, and an
///   over-use it causes brings the estimate back to what was acked.
///
/// Sans-I/O: `now` comes from the caller (a test clock in tests).
public struct AIMDRateControl: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var beta = 0.85
        /// Bits/s.
        public var minimum = 30_000.0
        public var maximum = 30_000_000.0
        public var multiplicativePerSecond = 1.08
        /// Bits/s the estimate may exceed the acked bitrate by (see above).
        public var headroom = 2_500_000.0
        /// Round trip assumed for the additive step until the caller knows one.
        public var roundTrip = Duration.milliseconds(200)

        public init() {}
    }

    enum State { case hold, increase, decrease }

    public let configuration: Configuration
    /// Bits/s.
    public private(set) var estimate: Double
    private var state = State.increase
    private var lastChange: ContinuousClock.Instant?
    /// Link capacity (kbit/s) from the acked bitrate at over-use, its normalised variance.
    private var capacity: Double?
    private var capacityVariance = 0.4

    public init(start: Double, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimate = min(max(start, configuration.minimum), configuration.maximum)
    }

    /// Updates the estimate with the detector's signal and the acked bitrate (bits/s, nil if unknown yet).
    @discardableResult
    public mutating func update(_ usage: BandwidthUsage, acked: Double?, now: ContinuousClock.Instant) -> Double {
        switch usage {
        case .normal: if state == .hold { state = .increase }
        case .overusing: state = .decrease
        case .underusing: state = .hold
        }
        let throughput = acked ?? estimate
        let kbps = throughput / 1000
        if let acked, let bounds = capacityBounds, acked / 1000 > bounds.upper { capacity = nil }
        let elapsed = lastChange.map { min(max(Double((now - $0).nanosecondsValue) / 1e9, 0), 1) } ?? 0
        switch state {
        case .hold:
            break
        case .increase:
            // `beta` × what the path carried without over-use is a floor: the
            // node forwards above its estimate at times (audio, a trial's
            // lowest layer), and an estimate left far below that (a pause's
            // collapse) would otherwise crawl back at 8 % a second. `beta`, as
            // the decrease: the acked window still holds packets that left a
            // queue at the bottleneck's full rate, so a floor at acked itself
            // would undo a decrease at the first normal signal.
            if let acked, configuration.beta * acked > estimate { estimate = configuration.beta * acked }
            let limit = max(1.5 * throughput, throughput + configuration.headroom) + 10_000
            if estimate < limit {
                let step = capacity == nil ? multiplicativeStep(elapsed) : additiveStep(elapsed)
                estimate = min(estimate + step, limit)
            }
        case .decrease:
            var decreased = configuration.beta * throughput
            if decreased > estimate, let capacity { decreased = configuration.beta * capacity * 1000 }
            if decreased < estimate { estimate = decreased }
            if let acked, let bounds = capacityBounds, acked / 1000 < bounds.lower { capacity = nil }
            observeCapacity(kbps)
            state = .hold
        }
        estimate = min(max(estimate, configuration.minimum), configuration.maximum)
        lastChange = now
        return estimate
    }

    /// Caps the estimate from outside (the loss-based bound, REMB), so the
    /// next increase starts from what is actually allowed.
    public mutating func cap(_ bitrate: Double) {
        estimate = min(max(min(estimate, bitrate), configuration.minimum), configuration.maximum)
    }

    /// Raises the estimate to a probe's result (never lowers it); the
    /// increase goes on from there.
    public mutating func raise(to bitrate: Double, now: ContinuousClock.Instant) {
        guard bitrate > estimate else { return }
        estimate = min(bitrate, configuration.maximum)
        if state == .hold { state = .increase }
        lastChange = now
    }

    private func multiplicativeStep(_ elapsed: Double) -> Double {
        // (1 + r)^t ≈ 1 + r·t for t ≤ 1 s (within 0.3 % at 8 %): no libm needed.
        max(estimate * (configuration.multiplicativePerSecond - 1) * elapsed, elapsed > 0 ? 1000 : 0)
    }

    /// About one packet of a 30 fps stream per response time (2 × (RTT + 100 ms)).
    private func additiveStep(_ elapsed: Double) -> Double {
        let bitsPerFrame = estimate / 30
        let packetsPerFrame = (bitsPerFrame / (1200 * 8)).rounded(.up)
        let packetBits = bitsPerFrame / max(packetsPerFrame, 1)
        let response = 2 * (Double(configuration.roundTrip.nanosecondsValue) / 1e9 + 0.1)
        return elapsed * max(4000, packetBits / response)
    }

    private var capacityBounds: (lower: Double, upper: Double)? {
        guard let capacity else { return nil }
        let deviation = 3 * (capacityVariance * capacity).squareRoot()
        return (capacity - deviation, capacity + deviation)
    }

    private mutating func observeCapacity(_ sample: Double) {
        let alpha = 0.05
        guard let current = capacity else {
            capacity = sample
            return
        }
        let next = (1 - alpha) * current + alpha * sample
        let error = next - sample
        capacityVariance = min(max((1 - alpha) * capacityVariance + alpha * error * error / max(next, 1), 0.4), 2.5)
        capacity = next
    }
}

