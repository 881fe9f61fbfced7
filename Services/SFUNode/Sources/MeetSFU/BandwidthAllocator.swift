/// Shares one subscriber connection's estimate among the tracks it carries
/// (#16 item 4). Sans-I/O: the node calls ``allocate(estimate:tracks:congested:now:)``
/// a few times a second and hands each video's budget to its
/// ``LayerSelector`` (`Constraints.availableBitrate`: the best layer within
/// it, switched on its keyframe) or pauses it.
///
/// - Audio is never paused: its bitrate comes off the top.
/// - Videos in priority order (``Priority``: screen share, active speaker,
///   visible tiles, the rest, then muted ones; ties in the caller's order)
///   each get their **lowest** layer while it fits. The first that does not
///   fit is paused, and so is every video after it: a lower priority never
///   goes before a higher one. A video being forwarded is not paused on one
///   dip, though: see *The pause hold* below.
/// - What is left then raises the videos, in the same order, each to its
///   best layer that fits (up to what its tile needs: the caller lists only
///   those layers).
/// - A paused video resumes once its lowest layer fits with `resumeMargin`
///   to spare (no flapping at the edge). The estimate of a connection that
///   sends little cannot grow far past what it sends (the rate controller's
///   bound), so without probing a paused video could wait for ever: when
///   the path has shown no congestion for `trialInterval`, the first
///   paused video is resumed as a trial, its own packets the probe (the
///   estimate grows with what is acknowledged); it keeps its lowest layer
///   while the path stays calm, until the estimate covers it. Congestion
///   pauses every video still on trial; within `trialLength` of the last
///   trial it also doubles the interval (up to `maximumTrialInterval`),
///   which is reset once nothing is paused or on trial.
///
/// **The pause hold** (session 13; docs/dev/simulcast-status.md, "What the
/// measurement showed" 1). One over-use signal sets the estimate to 0.85 ×
/// the acked bitrate, and a connection that gets only lowest layers acks
/// just what they and the audio cost: one signal (a CPU-starved receiver's
/// late arrivals read as one) put the estimate under what its videos need,
/// and their pause followed at once. Climbing back after it takes seconds
/// (the rate control's additive increase is about 9 kbit/s per second at
/// 200 kbit/s: 3 s for those 15 %; its floor of 0.85 × acked, session 14,
/// does not undo the decrease), so a hold in time alone would only
/// delay the same pause. A forwarded video whose lowest layer no longer
/// fits is therefore paused
/// - **at once** when the estimate is under `pauseMargin` (0.75) × what the
///   audio and the lowest layers up to and including it need: deeper than
///   one over-use signal can take it (0.85 × acked, and acked is at least
///   that need while they flow), so a real drop of the path pauses as
///   before;
/// - else once the shortfall has lasted `pauseHold` (2 s, LiveKit-like:
///   its allocator also waits before giving up a track) **and** the path is
///   still congested then (over-use or loss within the estimator's last
///   second): a path that cannot carry the video keeps signalling (its
///   queue grows); a calm one is the estimate climbing back (probes
///   speed that up), and the video keeps its lowest layer meanwhile.
/// While held, it keeps its lowest layer (the budget may go below zero: no
/// upgrade then). Layer downgrades stay immediate: only the pause of a
/// video's last layer waits. A video on trial still pauses on congestion
/// at once (the trial's own packets were the probe, and it failed).
public struct BandwidthAllocator<Key: Hashable & Sendable>: Sendable {
    public enum Priority: Int, Sendable, Comparable {
        /// `muted`: a video its publisher turned off (hard-muted, or
        /// sending only black frames: ``LayerDemand/looksMuted(_:)``), below
        /// every other video.
        case screenShare, activeSpeaker, visible, other, muted

        public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    }

    /// One carried track as the allocator sees it.
    public struct Track: Sendable, Equatable {
        public var key: Key
        public var isAudio: Bool
        public var priority: Priority
        /// Bits/s of each layer it may get, lowest first (one entry for a
        /// track without simulcast; an unmeasured layer counts 0).
        public var layers: [Int]

        public init(key: Key, isAudio: Bool = false, priority: Priority = .other, layers: [Int]) {
            self.key = key
            self.isAudio = isAudio
            self.priority = priority
            self.layers = layers
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Forward it within `budget` bits/s (audio: its own bitrate).
        case forward(budget: Int)
        case paused
    }

    public struct Configuration: Sendable, Equatable {
        public var resumeMargin = 1.2
        /// Calm (no congestion, no pause) before a paused video is tried.
        public var trialInterval = Duration.seconds(2)
        public var maximumTrialInterval = Duration.seconds(8)
        /// Congestion this soon after a trial (plus the second the
        /// estimator's congestion flag lasts) counts against it.
        public var trialLength = Duration.seconds(2)
        /// A forwarded video is paused at once when the estimate covers
        /// less than this share of what the audio and the lowest layers up
        /// to it need (one over-use signal leaves 0.85): see the type's notes.
        public var pauseMargin = 0.75
        /// A smaller shortfall pauses once it lasted this long with the path still congested.
        public var pauseHold = Duration.seconds(2)

        public init() {}
    }

    public let configuration: Configuration
    /// Videos paused by the last allocation.
    public private(set) var paused: Set<Key> = []
    /// Pauses decided so far (statistics).
    public private(set) var pauses = 0
    /// Trial resumes so far (statistics).
    public private(set) var trials = 0
    private var trialInterval: Duration
    /// Since when the path has been calm for a trial: the last pause, trial or congestion.
    private var calmSince: ContinuousClock.Instant?
    /// Videos resumed on trial that the estimate does not cover yet: they
    /// keep their lowest layer while the path stays calm (the estimate
    /// catches up with what is acked), and pause again on congestion.
    private var forced: Set<Key> = []
    private var lastTrial: ContinuousClock.Instant?
    /// Forwarded videos whose lowest layer has not fitted since then (the pause hold).
    private var shortSince: [Key: ContinuousClock.Instant] = [:]
    /// Videos the last allocation forwarded: only they get the pause hold (a
    /// new video that does not fit starts paused, it does not start held).
    private var forwarded: Set<Key> = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        trialInterval = configuration.trialInterval
    }

    /// The decision for every track. `congested`: the estimator saw
    /// congestion lately (trial resumes end, none starts).
    public mutating func allocate(
        estimate: Int, tracks: [Track], congested: Bool, now: ContinuousClock.Instant
    ) -> [Key: Decision] {
        var decisions: [Key: Decision] = [:]
        var budget = estimate
        for track in tracks where track.isAudio {
            let bitrate = track.layers.max() ?? 0
            budget -= bitrate
            decisions[track.key] = .forward(budget: bitrate)
        }
        let videos = tracks.enumerated().filter { !$0.element.isAudio }
            .sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element)
        if congested {
            if !forced.isEmpty, let lastTrial, now - lastTrial <= configuration.trialLength + Duration.seconds(1) {
                trialInterval = min(trialInterval * 2, configuration.maximumTrialInterval)
            }
            paused.formUnion(forced)
            forced = []
            calmSince = now
        }
        var given = [Int](repeating: 0, count: videos.count)
        var nowPaused: Set<Key> = []
        var short: [Key: ContinuousClock.Instant] = [:]
        for (index, video) in videos.enumerated() {
            let lowest = video.layers.min() ?? 0
            let wasPaused = paused.contains(video.key) && !forced.contains(video.key)
            let need = wasPaused ? Int(Double(lowest) * configuration.resumeMargin) : lowest
            if nowPaused.isEmpty && need <= budget {
                forced.remove(video.key)  // the estimate covers it now
                given[index] = lowest
                budget -= lowest
            } else if forced.contains(video.key)
                || (nowPaused.isEmpty && !wasPaused && forwarded.contains(video.key)
                    && holds(video.key, needed: estimate - budget + lowest, estimate: estimate,
                             congested: congested, now: now, short: &short))
            {
                given[index] = lowest
                budget -= lowest
            } else {
                nowPaused.insert(video.key)
            }
        }
        shortSince = short
        // A trial: the first paused video, once the path has been calm for a while.
        if !congested, let since = calmSince, now - since >= trialInterval,
           let index = videos.firstIndex(where: { nowPaused.contains($0.key) })
        {
            nowPaused.remove(videos[index].key)
            forced.insert(videos[index].key)
            given[index] = videos[index].layers.min() ?? 0
            budget -= given[index]
            trials += 1
            lastTrial = now
            calmSince = now
        }
        for (index, video) in videos.enumerated() where !nowPaused.contains(video.key) {
            for layer in video.layers.sorted(by: >) where layer > given[index] && layer - given[index] <= budget {
                budget -= layer - given[index]
                given[index] = layer
                break
            }
            decisions[video.key] = .forward(budget: given[index])
        }
        for key in nowPaused { decisions[key] = .paused }
        let newlyPaused = nowPaused.subtracting(paused)
        if !newlyPaused.isEmpty {
            pauses += newlyPaused.count
            calmSince = now
        }
        if nowPaused.isEmpty && forced.isEmpty { trialInterval = configuration.trialInterval }
        forced.formIntersection(Set(videos.map(\.key)))
        paused = nowPaused
        forwarded = Set(videos.lazy.map(\.key).filter { !nowPaused.contains($0) })
        return decisions
    }

    /// The estimate that would resume the first paused video of `tracks`
    /// (priority order): the audio, the lowest layers of the videos before
    /// it, and its own lowest layer with `resumeMargin`. Nil when none is
    /// paused. A probe aims at least this high (``ProbeController``), so
    /// that one cluster can show what a resume needs.
    public func resumeEstimate(_ tracks: [Track]) -> Int? {
        guard !paused.isEmpty else { return nil }
        var need = tracks.reduce(0) { $0 + ($1.isAudio ? $1.layers.max() ?? 0 : 0) }
        let videos = tracks.enumerated().filter { !$0.element.isAudio }
            .sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element)
        for video in videos {
            let lowest = video.layers.min() ?? 0
            if paused.contains(video.key) { return need + Int(Double(lowest) * configuration.resumeMargin) }
            need += lowest
        }
        return nil
    }

    /// The pause hold for a forwarded video whose lowest layer does not
    /// fit (`needed`: what the audio and the lowest layers up to it need):
    /// whether it keeps forwarding. Records since when it has been short.
    private func holds(
        _ key: Key, needed: Int, estimate: Int, congested: Bool, now: ContinuousClock.Instant,
        short: inout [Key: ContinuousClock.Instant]
    ) -> Bool {
        guard Double(estimate) >= configuration.pauseMargin * Double(needed) else { return false }
        let since = shortSince[key] ?? now
        guard !congested || now - since < configuration.pauseHold else { return false }
        short[key] = since
        return true
    }
}
