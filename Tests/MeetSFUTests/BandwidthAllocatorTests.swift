import Testing
@testable import MeetSFU

/// The allocator (#16 item 4): priorities, lowest layers first, pausing and
/// resuming, alone and in a closed loop with the estimator on a shaped path
/// (``PathSimulation``), all on a test clock.
@Suite struct BandwidthAllocatorTests {
    typealias Allocator = BandwidthAllocator<String>
    typealias Track = Allocator.Track

    /// Chrome's camera layers (180p, 360p, 720p).
    static let camera = [150_000, 500_000, 1_700_000]
    static let tracks = [
        Track(key: "audio", isAudio: true, layers: [40_000]),
        Track(key: "other", priority: .other, layers: camera),
        Track(key: "tile", priority: .visible, layers: camera),
        Track(key: "speaker", priority: .activeSpeaker, layers: camera),
        Track(key: "screen", priority: .screenShare, layers: [300_000, 1_000_000]),
    ]

    static func budgets(_ decisions: [String: Allocator.Decision]) -> [String: Int] {
        var budgets: [String: Int] = [:]
        for (key, decision) in decisions {
            if case .forward(let budget) = decision { budgets[key] = budget }
        }
        return budgets
    }

    @Test("plenty: every video its best layer")
    func plenty() {
        var allocator = Allocator()
        let decisions = allocator.allocate(estimate: 10_000_000, tracks: Self.tracks, congested: false, now: TestClock().now)
        #expect(Self.budgets(decisions) == [
            "audio": 40_000, "other": 1_700_000, "tile": 1_700_000, "speaker": 1_700_000, "screen": 1_000_000,
        ])
    }

    @Test("lowest layers first, then upgrades in priority order")
    func priorities() {
        var allocator = Allocator()
        // 40k audio + 4 lowest layers (750k) = 790k; 2.6M left: screen +700k, speaker +1.55M, tile +350k (to 500k).
        let decisions = allocator.allocate(estimate: 3_390_000, tracks: Self.tracks, congested: false, now: TestClock().now)
        #expect(Self.budgets(decisions) == [
            "audio": 40_000, "screen": 1_000_000, "speaker": 1_700_000, "tile": 500_000, "other": 150_000,
        ])
        #expect(allocator.paused.isEmpty)
    }

    @Test("when even the lowest layer does not fit, the lowest priorities pause; audio never does")
    func pauses() {
        var clock = TestClock()
        var allocator = Allocator()
        _ = allocator.allocate(estimate: 3_390_000, tracks: Self.tracks, congested: false, now: clock.now)  // all forwarded
        var decisions = allocator.allocate(estimate: 500_000, tracks: Self.tracks, congested: true, now: clock.now)
        // 40k audio, 300k screen, 150k speaker = 490k. The tile's 150k more (640k) is short by
        // less than the margin (500k ≥ 0.75 × 640k): held on its lowest layer; "other" (790k) is not.
        #expect(decisions["other"] == .paused)
        #expect(Self.budgets(decisions) == ["audio": 40_000, "screen": 300_000, "speaker": 150_000, "tile": 150_000])
        // Still short and congested after the hold: the tile pauses too.
        clock.advance(allocator.configuration.pauseHold)
        decisions = allocator.allocate(estimate: 500_000, tracks: Self.tracks, congested: true, now: clock.now)
        #expect(decisions["tile"] == .paused && decisions["other"] == .paused)
        #expect(Self.budgets(decisions) == ["audio": 40_000, "screen": 300_000, "speaker": 150_000])
        // Far below what anything needs: every video at once.
        decisions = allocator.allocate(estimate: 10_000, tracks: Self.tracks, congested: true, now: clock.now)
        #expect(decisions["audio"] == .forward(budget: 40_000))
        #expect(Set(decisions.filter { $0.value == .paused }.keys) == ["screen", "speaker", "tile", "other"])
        #expect(allocator.pauses == 4)
    }

    /// One video on its lowest layer and audio: what a congested
    /// subscriber of one camera gets (docs/dev/simulcast-status.md, "What
    /// the measurement showed" 1).
    static let lowestOnly = [Track(key: "audio", isAudio: true, layers: [40_000]), Track(key: "video", layers: camera)]
    /// What one over-use signal leaves of an estimate that acked exactly the lowest layer and audio.
    static let oneDip = Int(0.85 * Double(40_000 + 150_000))

    @Test("one over-use signal (0.85 × lowest layer + audio) keeps the video forwarding; the estimate climbs back")
    func oneDipKeepsForwarding() {
        var clock = TestClock()
        var allocator = Allocator()
        let lowest = Allocator.Decision.forward(budget: 150_000)
        #expect(allocator.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: false, now: clock.now)["video"] == lowest)
        // The dip, then the congestion flag for the estimator's second, then a calm climb back (3 s).
        var decisions: [Allocator.Decision?] = []
        for step in 0..<20 {
            let estimate = Self.oneDip + step * 1_800
            let congested = step < 5
            decisions.append(allocator.allocate(estimate: estimate, tracks: Self.lowestOnly, congested: congested, now: clock.now)["video"])
            clock.advance(.milliseconds(200))
        }
        #expect(decisions.allSatisfy { $0 == lowest }, "\(decisions)")
        #expect(allocator.pauses == 0 && allocator.paused.isEmpty)
    }

    @Test("a shortfall that lasts with the path congested pauses after the hold, not before")
    func sustainedShortfallPauses() {
        var clock = TestClock()
        var allocator = Allocator()
        let hold = allocator.configuration.pauseHold
        _ = allocator.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: false, now: clock.now)  // forwarded
        var pausedAfter: Duration?
        var elapsed = Duration.zero
        while elapsed <= hold + .seconds(1) {
            if allocator.allocate(estimate: Self.oneDip, tracks: Self.lowestOnly, congested: true, now: clock.now)["video"] == .paused {
                pausedAfter = elapsed
                break
            }
            clock.advance(.milliseconds(200))
            elapsed += .milliseconds(200)
        }
        #expect(pausedAfter == hold, "paused after \(String(describing: pausedAfter))")
        #expect(allocator.pauses == 1)
        // A shortfall that ends resets the hold: the next one waits the whole hold again.
        var fresh = Allocator()
        _ = fresh.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: false, now: clock.now)
        _ = fresh.allocate(estimate: Self.oneDip, tracks: Self.lowestOnly, congested: true, now: clock.now)
        clock.advance(hold - .milliseconds(200))
        _ = fresh.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: true, now: clock.now)
        clock.advance(.milliseconds(200))
        #expect(fresh.allocate(estimate: Self.oneDip, tracks: Self.lowestOnly, congested: true, now: clock.now)["video"]
            == .forward(budget: 150_000))
    }

    @Test("a shortfall deeper than the margin pauses at once")
    func deepShortfallPausesAtOnce() {
        var allocator = Allocator()
        let now = TestClock().now
        // 0.75 × 190k = 142.5k: just under it pauses, just over it holds (both forwarded before).
        _ = allocator.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: false, now: now)
        #expect(allocator.allocate(estimate: 142_000, tracks: Self.lowestOnly, congested: true, now: now)["video"] == .paused)
        var other = Allocator()
        _ = other.allocate(estimate: 190_000, tracks: Self.lowestOnly, congested: false, now: now)
        #expect(other.allocate(estimate: 143_000, tracks: Self.lowestOnly, congested: true, now: now)["video"]
            == .forward(budget: 150_000))
    }

    @Test("a new video that does not fit starts paused: the hold is for videos already forwarded")
    func aNewVideoGetsNoHold() {
        var allocator = Allocator()
        let clock = TestClock()
        // Calm, and within the margin (143k ≥ 0.75 × 190k): a forwarded video would be held.
        #expect(allocator.allocate(estimate: 143_000, tracks: Self.lowestOnly, congested: false, now: clock.now)["video"] == .paused)
        // A second video added beside a forwarded one: the first keeps its layer, the new one starts paused.
        var two = Allocator()
        let first = [Track(key: "audio", isAudio: true, layers: [40_000]), Track(key: "a", layers: Self.camera)]
        _ = two.allocate(estimate: 190_000, tracks: first, congested: false, now: clock.now)
        let decisions = two.allocate(
            estimate: 300_000, tracks: first + [Track(key: "b", layers: Self.camera)], congested: false, now: clock.now)
        #expect(decisions["a"] == .forward(budget: 150_000))
        #expect(decisions["b"] == .paused)
    }

    @Test("a muted (black) video ranks below every other, whatever the caller's order")
    func mutedRanksLast() {
        var allocator = Allocator()
        let tracks = [
            // Costed like a lowest layer, so that only the rank decides.
            Track(key: "black", priority: .muted, layers: [150_000]),
            Track(key: "rest", priority: .other, layers: Self.camera),
            Track(key: "tile", priority: .visible, layers: Self.camera),
        ]
        // Room for two lowest layers and no more (450k needed, 300k ≤ 0.75 × 450k: no hold):
        // listed first, the black one still pauses.
        let decisions = allocator.allocate(estimate: 300_000, tracks: tracks, congested: true, now: TestClock().now)
        #expect(decisions["black"] == .paused)
        #expect(Self.budgets(decisions) == ["tile": 150_000, "rest": 150_000])
        // Plenty: it is forwarded like any video, after the others' upgrades.
        let plenty = allocator.allocate(estimate: 5_000_000, tracks: tracks, congested: false, now: TestClock().now)
        #expect(Self.budgets(plenty) == ["tile": 1_700_000, "rest": 1_700_000, "black": 150_000])
    }

    @Test("a paused video resumes once its lowest layer fits with a margin")
    func resumesWithMargin() {
        var allocator = Allocator()
        let tracks = [Track(key: "audio", isAudio: true, layers: [40_000]), Track(key: "video", layers: Self.camera)]
        let now = TestClock().now
        // 100k: far short of 190k, paused at once (the hold is for small shortfalls).
        let decisions = [100_000, 190_000, 230_000].map { estimate in
            allocator.allocate(estimate: estimate, tracks: tracks, congested: true, now: now)["video"]
        }
        // 190k fits 150k, but not with the 20 % margin (180k + 40k): still paused.
        #expect(decisions == [.paused, .paused, .forward(budget: 150_000)])
    }

    @Test("a calm path tries a paused video; congestion during the trial pauses it and backs off")
    func trials() {
        var clock = TestClock()
        var allocator = Allocator()
        let tracks = [Track(key: "a", layers: Self.camera), Track(key: "b", priority: .visible, layers: Self.camera)]
        // (after, congested) per allocation; "b" (visible) goes before "a" (the rest).
        let steps: [(Duration, Bool)] = [
            (.zero, true),  // a does not fit: paused
            (.seconds(1), false),  // 1 s calm: not yet
            (.seconds(1), false),  // 2 s calm: the trial
            (.milliseconds(400), true),  // congestion during the trial: paused, the interval doubles
            (.seconds(3), false),  // 3 s calm: not yet (4 s now)
            (.seconds(1), false),  // 4 s: the second trial
        ]
        var decisions: [Allocator.Decision?] = []
        for (after, congested) in steps {
            clock.advance(after)
            decisions.append(allocator.allocate(estimate: 200_000, tracks: tracks, congested: congested, now: clock.now)["a"])
        }
        let trial = Allocator.Decision.forward(budget: 150_000)
        #expect(decisions == [.paused, .paused, trial, .paused, .paused, trial])
        #expect(allocator.trials == 2)
    }

    /// The closed loop: the node sends what the allocator grants (the chosen
    /// layers' bitrates) over a shaped path; the allocation is redone every 200 ms.
    struct Loop {
        var path: PathSimulation
        var allocator = Allocator()
        var decisions: [String: Allocator.Decision] = [:]
        var nextAllocation: Int64 = 0
        let tracks = [
            Track(key: "audio", isAudio: true, layers: [40_000]),
            Track(key: "speaker", priority: .activeSpeaker, layers: BandwidthAllocatorTests.camera),
            Track(key: "tile", priority: .visible, layers: BandwidthAllocatorTests.camera),
        ]

        var sending: Int { BandwidthAllocatorTests.budgets(decisions).values.reduce(0, +) }

        mutating func run(for duration: Duration) {
            let end = path.time + duration.nanosecondsValue / 1000
            while path.time < end {
                if path.time >= nextAllocation {
                    nextAllocation = path.time + 200_000
                    decisions = allocator.allocate(
                        estimate: path.estimate, tracks: tracks,
                        congested: path.estimator.congested(within: .seconds(1), now: path.now), now: path.now)
                }
                let rate = sending
                path.run(for: .milliseconds(10)) { _ in rate }
            }
        }
    }

    @Test("shaped path: downgrade within 500 ms of a drop, pause the lower priority, resume after recovery")
    func closedLoop() {
        var loop = Loop(path: PathSimulation(capacity: 5_000_000))
        loop.run(for: .seconds(25))
        #expect(loop.decisions["speaker"] == .forward(budget: 1_700_000), "\(loop.decisions)")
        let before = loop.sending
        loop.path.capacity = 500_000
        loop.run(for: .milliseconds(500))
        #expect(loop.sending < before / 2, "sending \(loop.sending) 500 ms after the drop (before: \(before))")
        loop.run(for: .seconds(10))
        #expect(loop.sending <= 600_000 && loop.decisions["audio"] != .paused)
        loop.path.capacity = 250_000
        // 250 kbit/s: audio and the speaker's lowest layer; the tile paused
        // (between trials, which a calm path gets every 2–8 s); the speaker never.
        var tilePaused = 0
        var speakerPaused = 0
        for _ in 0..<50 {
            loop.run(for: .milliseconds(200))
            if loop.decisions["tile"] == .paused { tilePaused += 1 }
            if loop.decisions["speaker"] == .paused { speakerPaused += 1 }
        }
        #expect(tilePaused >= 25 && speakerPaused == 0, "tile paused \(tilePaused)/50, speaker \(speakerPaused)/50")
        while loop.decisions["tile"] != .paused { loop.run(for: .milliseconds(200)) }
        loop.path.capacity = 5_000_000
        var resumedAfter: Duration?
        for step in 1...60 {
            loop.run(for: .milliseconds(200))
            if loop.decisions["tile"] != .paused {
                resumedAfter = .milliseconds(200 * step)
                break
            }
        }
        // Without padding probes the paused tile comes back on a trial: within
        // the longest trial interval plus a trial, whatever the backoff reached.
        let bound = loop.allocator.configuration.maximumTrialInterval + loop.allocator.configuration.trialLength
        #expect(resumedAfter.map { $0 <= bound } ?? false, "tile resumed after \(String(describing: resumedAfter))")
        print("allocator closed loop: sending \(before) → 500 ms after the drop \(loop.sending); tile resumed \(String(describing: resumedAfter)) after recovery")
    }
}
