/// Bandwidth probing toward one subscriber connection (#16 item 3; the
/// idea of libwebrtc's `ProbeController` and `ProbeBitrateEstimator`, our
/// own code): when the allocator wants more than the estimate allows (a
/// higher layer, a paused video), the node sends a short **cluster** of
/// padding at up to `multiplier` × the estimate, never above what the
/// allocator wants, and the subscriber's transport-wide feedback on the
/// cluster's packets says what the path carried: the probe result, which
/// raises the estimate at once (``SendSideEstimator/probeResult(_:now:)``)
/// instead of the slow increase or the allocator's trials.
///
/// - **When**: the wanted bitrate is over `minimumGain` × the estimate, the
///   path showed no congestion for `calmPeriod`, no cluster is out, and the
///   last probe is `interval` old (`retryInterval` after one that did not
///   raise the estimate: the path is the limit; `pausedRetryInterval` when
///   that one went for a paused video).
/// - **The cluster**: `bitrate` = min(`multiplier` × estimate, wanted);
///   the padding is `bitrate` − what the media sends now (the media sent
///   meanwhile is part of the probe), over `duration`, made longer so that
///   at least `minimumPackets` padding packets of `paddingPacketSize` go out.
/// - **The result**: every packet sent in the cluster's window, media and
///   padding, counts (by send time, so nothing is tagged per packet). Once
///   feedback reports a packet sent after the window (or `resultTimeout`
///   passed), with at least `minimumPackets` of it received: the send rate
///   (bytes less the last packet over the send span) and the receive rate
///   (bytes less the first over the arrival span); the result is the
///   smaller, or 0.95 × the receive rate when that is under 0.9 × the send
///   rate (the path was the limit). Lost packets count as not received.
/// - **Stop on congestion**: ``cancel()`` drops the cluster being sent (the
///   node calls it when the detector says over-use); a cluster whose
///   feedback showed over 10 % loss gives no result.
///
/// Sans-I/O: times are the send history's microseconds
/// (``TransportWideSendHistory/microseconds(_:)``); the caller sends the
/// padding ``padding(now:)`` says is due and feeds the feedback.
public struct ProbeController: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var multiplier = 2.0
        /// No cluster for less than this × the estimate (nothing to learn).
        public var minimumGain = 1.2
        public var duration = Duration.milliseconds(30)
        public var minimumPackets = 5
        /// Bytes of one padding packet: a padding-only RTP packet carries at most 255.
        public var paddingPacketSize = 275
        /// Between clusters while the estimate keeps rising.
        public var interval = Duration.milliseconds(200)
        /// After a cluster that did not raise the estimate (or gave no result).
        public var retryInterval = Duration.seconds(1)
        /// The same after a cluster that went for a paused video
        /// (`start(resume:)`): the link that paused it may have recovered
        /// right after, and a video waits out the whole retry. At most two
        /// short clusters a second into a path that is still short.
        public var pausedRetryInterval = Duration.milliseconds(500)
        /// No probing this soon after congestion.
        public var calmPeriod = Duration.seconds(1)
        /// The same while a video is paused for bandwidth: nothing of it is
        /// sent, so a probe into a path still short risks only a short burst
        /// of padding, and one into a recovered path resumes the video sooner.
        public var pausedCalmPeriod = Duration.milliseconds(500)
        /// A paused video's cluster goes this far over what resumes it: a
        /// result a little under the cluster's rate still resumes it.
        public var resumeOvershoot = 1.25
        /// A cluster's result is given up this long after its end.
        public var resultTimeout = Duration.seconds(1)
        /// A cluster with more loss than this gives no result.
        public var maximumLoss = 0.1

        public init() {}
    }

    /// One cluster: its window (µs on the send history's clock) and rates (bits/s).
    public struct Cluster: Sendable, Equatable {
        public let id: Int
        public let bitrate: Int
        /// The padding's share: `bitrate` less the media's.
        public let paddingBitrate: Int
        public let start: Int64
        public let end: Int64
        /// It went for a paused video (`start(resume:)`): retried sooner.
        public var resuming = false
    }

    public let configuration: Configuration
    /// The cluster being sent, then awaiting its feedback.
    public private(set) var cluster: Cluster?
    /// Padding bytes sent in the cluster so far.
    private var paddingSent = 0
    private var nextProbe: Int64 = 0
    private var nextID = 1
    /// The cluster's packets reported so far.
    private var aggregate = Aggregate()
    /// Clusters started, and results taken (for metrics and tests).
    public private(set) var clustersStarted = 0
    public private(set) var results = 0
    /// The last result (bits/s).
    public private(set) var lastResult: Int?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether a cluster is being sent now.
    public func isSending(at now: Int64) -> Bool {
        cluster.map { now < $0.end } ?? false
    }

    /// Starts a cluster when the allocator wants more than the estimate
    /// (`wanted`, bits/s: what it would send with no limit), none is out,
    /// the path is calm and the last probe is old enough. `sending`: what
    /// the media sends now (bits/s). `resume`: the estimate that would
    /// resume a paused video (``BandwidthAllocator/resumeEstimate(_:)``),
    /// if one is paused: the cluster goes for `resumeOvershoot` × it when
    /// that is more than `multiplier` × the estimate, so one cluster can
    /// resume the video instead of several doubling ones a retry apart (a
    /// paused video's estimate sinks to what the audio acks). `now`: µs.
    public mutating func start(
        estimate: Int, wanted: Int, sending: Int, resume: Int? = nil, congested: Bool, now: Int64
    ) -> Cluster? {
        if let cluster, now <= cluster.end + configuration.resultTimeout.wholeMicroseconds { return nil }
        if cluster != nil { giveUp(now: now) }
        guard !congested, now >= nextProbe,
              Double(wanted) > configuration.minimumGain * Double(estimate)
        else { return nil }
        let resumeTarget = resume.map { Int(configuration.resumeOvershoot * Double($0)) } ?? 0
        let bitrate = min(max(Int(configuration.multiplier * Double(estimate)), resumeTarget), wanted)
        let padding = bitrate - sending
        guard padding > 0 else { return nil }
        // At least `minimumPackets` padding packets, however low the rate.
        let packetsTime = Int64(configuration.minimumPackets * configuration.paddingPacketSize * 8) * 1_000_000 / Int64(padding)
        let duration = max(configuration.duration.wholeMicroseconds, packetsTime)
        let started = Cluster(
            id: nextID, bitrate: bitrate, paddingBitrate: padding, start: now, end: now + duration, resuming: resume != nil)
        nextID += 1
        clustersStarted += 1
        cluster = started
        paddingSent = 0
        aggregate = Aggregate()
        return started
    }

    /// Padding bytes due by `now` (µs) in the cluster being sent, counted as
    /// sent: the caller sends them (whole padding packets; the rest carries
    /// over to the next call). 0 outside a cluster.
    public mutating func padding(now: Int64) -> Int {
        guard let cluster, now >= cluster.start else { return 0 }
        let elapsed = min(now, cluster.end) - cluster.start
        let owed = Int(Int64(cluster.paddingBitrate) * elapsed / 8_000_000) - paddingSent
        let packets = owed / configuration.paddingPacketSize
        guard packets > 0 else { return 0 }
        paddingSent += packets * configuration.paddingPacketSize
        return packets * configuration.paddingPacketSize
    }

    /// Stops the cluster being sent (congestion): no result, retry later.
    public mutating func cancel(now: Int64) {
        guard cluster != nil else { return }
        giveUp(now: now)
    }

    /// Takes one feedback's packets; returns the cluster's result (bits/s)
    /// once it is complete, else nil.
    public mutating func feedback(_ results: [TransportWideSendHistory.PacketResult], now: Int64) -> Int? {
        guard let cluster else { return nil }
        var after = false
        for result in results {
            if result.sendTime >= cluster.end { after = true }
            guard result.sendTime >= cluster.start, result.sendTime < cluster.end else { continue }
            aggregate.add(result)
        }
        guard after else { return nil }
        self.cluster = nil
        guard let bitrate = aggregate.bitrate(configuration: configuration) else {
            nextProbe = now + retryInterval(after: cluster).wholeMicroseconds
            return nil
        }
        self.results += 1
        lastResult = bitrate
        // Rising: the next cluster soon (from the new estimate); else the path is the limit.
        let rose = Double(bitrate) >= 0.9 * Double(cluster.bitrate)
        nextProbe = now + (rose ? configuration.interval : retryInterval(after: cluster)).wholeMicroseconds
        return bitrate
    }

    private mutating func giveUp(now: Int64) {
        let interval = cluster.map(retryInterval(after:)) ?? configuration.retryInterval
        cluster = nil
        nextProbe = now + interval.wholeMicroseconds
    }

    private func retryInterval(after cluster: Cluster) -> Duration {
        cluster.resuming ? configuration.pausedRetryInterval : configuration.retryInterval
    }

    /// What feedback reported of one cluster's window.
    struct Aggregate: Sendable {
        var firstSend = Int64.max
        var lastSend = Int64.min
        var lastSendSize = 0
        var firstArrival = Int64.max
        var firstArrivalSize = 0
        var lastArrival = Int64.min
        var sentBytes = 0
        var receivedBytes = 0
        var received = 0
        var lost = 0

        mutating func add(_ result: TransportWideSendHistory.PacketResult) {
            if result.sendTime < firstSend { firstSend = result.sendTime }
            if result.sendTime >= lastSend {
                lastSend = result.sendTime
                lastSendSize = result.size
            }
            sentBytes += result.size
            guard let arrival = result.arrivalTime else {
                lost += 1
                return
            }
            received += 1
            receivedBytes += result.size
            if arrival < firstArrival {
                firstArrival = arrival
                firstArrivalSize = result.size
            }
            if arrival > lastArrival { lastArrival = arrival }
        }

        func bitrate(configuration: Configuration) -> Int? {
            guard received >= configuration.minimumPackets,
                  Double(lost) <= configuration.maximumLoss * Double(received + lost)
            else { return nil }
            // Spans of at least 1 ms: a burst sent or received at once says little more.
            let sendSpan = max(lastSend - firstSend, 1000)
            let receiveSpan = max(lastArrival - firstArrival, 1000)
            let sendRate = Double(sentBytes - lastSendSize) * 8 * 1_000_000 / Double(sendSpan)
            let receiveRate = Double(receivedBytes - firstArrivalSize) * 8 * 1_000_000 / Double(receiveSpan)
            let result = receiveRate < 0.9 * sendRate ? 0.95 * receiveRate : min(sendRate, receiveRate)
            return Int(result)
        }
    }
}

extension Duration {
    /// Whole microseconds.
    var wholeMicroseconds: Int64 { nanosecondsValue / 1000 }
}

extension BandwidthAllocator {
    /// What `tracks` would be sent with no limit (bits/s): each one's top
    /// layer (a video's layers are those its tile can use). A probe goes no
    /// higher: the padding never buys bandwidth nobody would use.
    public static func wanted(_ tracks: [Track]) -> Int {
        tracks.reduce(0) { $0 + ($1.layers.max() ?? 0) }
    }
}

extension ProbeController {
    /// Feeds one transport-wide feedback's packets to the cluster awaiting
    /// its result and hands a result to `estimator`
    /// (``SendSideEstimator/probeResult(_:now:)``), after the estimator took
    /// the same feedback. Returns the result, if one came.
    @discardableResult
    public mutating func feedback(
        _ results: [TransportWideSendHistory.PacketResult], estimator: inout SendSideEstimator,
        now: ContinuousClock.Instant, micros: Int64
    ) -> Int? {
        guard let bitrate = feedback(results, now: micros) else { return nil }
        estimator.probeResult(bitrate, now: now)
        return bitrate
    }
}
