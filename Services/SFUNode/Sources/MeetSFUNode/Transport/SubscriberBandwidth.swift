import MeetSFU

/// One subscriber connection's bandwidth state (#16 items 3 and 4): the
/// estimate toward it (``SendSideEstimator``, fed by its transport-wide
/// feedback or REMB), the ``BandwidthAllocator`` that shares it, the
/// bitrate each carried track sent lately (audio and single-stream video,
/// whose layers the router does not measure), and the allocation in force
/// (each video's budget, the videos it paused). Event loop only, inside its
/// ``SubscriberTransport``; ``SubscriberTransport/allocateBandwidth(now:)`` drives it.
struct SubscriberBandwidth {
    /// How often the allocation is redone (the layer retarget's pace).
    static let interval = Duration.milliseconds(200)
    /// Congestion this recent blocks a trial resume.
    static let calmPeriod = Duration.seconds(1)

    var estimator = SendSideEstimator()
    /// Padding probes (`SubscriberTransport+Probe`).
    var probes = ProbeController()
    var allocator = BandwidthAllocator<SubscribedTrack>()
    /// Whether any feedback (transport-wide or REMB) came: until then the
    /// estimate is a guess, and nothing is constrained (the behaviour before #16 item 3).
    var hasFeedback = false
    /// Each video's budget in the allocation in force (bits/s).
    private(set) var budgets: [SubscribedTrack: Int] = [:]
    /// The videos this allocator paused (last-N pauses are the selection's).
    private(set) var paused: Set<SubscribedTrack> = []
    private var nextAllocation: ContinuousClock.Instant?
    /// bytesSent and when, per track, for the measured rates.
    private var sent: [SubscribedTrack: (bytes: Int, at: ContinuousClock.Instant)] = [:]
    /// The last non-zero measured rate per track (a paused video's last known cost).
    private var rates: [SubscribedTrack: Int] = [:]
    /// Bytes the publisher sent the node per paused track, and when (``incomingRate(of:bytesReceived:now:)``).
    private var received: [SubscribedTrack: (bytes: Int, at: ContinuousClock.Instant)] = [:]
    /// The last estimate logged, to log changes only.
    var loggedEstimate = 0

    /// One transport-wide feedback's packets for the probe awaiting its
    /// result, after the estimator took them; the result, if one came,
    /// raised the estimate.
    mutating func probeFeedback(
        _ results: [TransportWideSendHistory.PacketResult], now: ContinuousClock.Instant, micros: Int64
    ) -> Int? {
        probes.feedback(results, estimator: &estimator, now: now, micros: micros)
    }

    /// Whether an allocation is due now (every ``interval``).
    mutating func isDue(now: ContinuousClock.Instant) -> Bool {
        guard nextAllocation.map({ now >= $0 }) ?? true else { return false }
        nextAllocation = now + Self.interval
        return true
    }

    /// The bitrate `track` sent since the last call (bits/s), or its last
    /// non-zero one while it sends nothing (paused): what it will cost.
    mutating func measuredRate(of track: SubscribedTrack, bytesSent: Int, now: ContinuousClock.Instant) -> Int {
        defer { sent[track] = (bytesSent, now) }
        guard let last = sent[track], bytesSent >= last.bytes else { return rates[track] ?? 0 }
        let elapsed = (now - last.at).nanosecondsValue
        guard elapsed > 0 else { return rates[track] ?? 0 }
        let rate = Int(Int64(bytesSent - last.bytes) * 8 * 1_000_000_000 / elapsed)
        if rate > 0 { rates[track] = rate }
        return rates[track] ?? 0
    }

    /// What `track`'s publisher sent the node since the last call (bits/s,
    /// from the router's received bytes): a paused video's rate, since
    /// nothing of it goes out. Before a first interval, the last rate sent.
    mutating func incomingRate(of track: SubscribedTrack, bytesReceived: Int, now: ContinuousClock.Instant) -> Int {
        defer { received[track] = (bytesReceived, now) }
        guard let last = received[track], bytesReceived >= last.bytes, now > last.at else { return rates[track] ?? 0 }
        return Int(Int64(bytesReceived - last.bytes) * 8 * 1_000_000_000 / (now - last.at).nanosecondsValue)
    }

    /// Whether a rate was measured for `track` yet (a track that sent nothing
    /// so far has none: it is new, not muted).
    func hasMeasuredRate(of track: SubscribedTrack) -> Bool { rates[track] != nil }

    /// Records the allocation applied; forgets tracks no longer carried.
    mutating func record(budgets: [SubscribedTrack: Int], paused: Set<SubscribedTrack>, carried: Set<SubscribedTrack>) {
        self.budgets = budgets
        self.paused = paused
        sent = sent.filter { carried.contains($0.key) }
        rates = rates.filter { carried.contains($0.key) }
        received = received.filter { paused.contains($0.key) }
    }

    /// Forgets a pause (the track went, or last-N paused it meanwhile).
    mutating func forgetPause(_ track: SubscribedTrack) {
        paused.remove(track)
    }

    /// The constraint a video's selector gets for `track` (nil: none yet).
    func budget(of track: SubscribedTrack) -> Int? { budgets[track].map(Self.selectorBudget) }

    /// A budget as the ``LayerSelector`` gets it: a fifth more than the
    /// layer bitrate the allocator chose, since each layer's bitrate is
    /// re-measured every 500 ms (a keyframe window reads high) and the
    /// selector retargets every 200 ms: without slack a layer measured at
    /// its budget one moment and a little above it the next would flap.
    static func selectorBudget(_ budget: Int) -> Int { budget + budget / 5 }
}
