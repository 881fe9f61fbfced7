import Testing
@testable import MeetSFU

/// Probing (#16 item 3, ``ProbeController``): when a cluster starts, how
/// large it is, what its feedback gives, and the closed loop of
/// ``BandwidthAllocatorTests`` with and without probes, on a test clock.
@Suite struct ProbeControllerTests {
    typealias Allocator = BandwidthAllocator<String>
    typealias Result = TransportWideSendHistory.PacketResult

    @Test("a cluster starts when more is wanted than the estimate, at 2 × the estimate but never above what is wanted")
    func starts() throws {
        var probes = ProbeController()
        // Wanted within 1.2 × the estimate: nothing to learn.
        let v1 = probes.start(estimate: 1_000_000, wanted: 1_100_000, sending: 900_000, congested: false, now: 0)
        #expect(v1 == nil)
        // Congested: no.
        let v2 = probes.start(estimate: 300_000, wanted: 3_000_000, sending: 200_000, congested: true, now: 0)
        #expect(v2 == nil)
        let v3 = probes.start(estimate: 300_000, wanted: 3_000_000, sending: 200_000, congested: false, now: 0)
        let cluster = try #require(v3)
        #expect(cluster.bitrate == 600_000 && cluster.paddingBitrate == 400_000)
        // 5 padding packets of 275 bytes at 400 kbit/s take 27.5 ms: the 30 ms minimum holds.
        #expect(cluster.start == 0 && cluster.end == 30_000)
        // One at a time.
        let v4 = probes.start(estimate: 300_000, wanted: 3_000_000, sending: 200_000, congested: false, now: 10_000)
        #expect(v4 == nil)
        // Bounded by what is wanted, and longer at a low padding rate (5 packets).
        var low = ProbeController()
        let v5 = low.start(estimate: 300_000, wanted: 400_000, sending: 300_000, congested: false, now: 0)
        let bounded = try #require(v5)
        #expect(bounded.bitrate == 400_000 && bounded.paddingBitrate == 100_000)
        #expect(bounded.end == 110_000)
        // Media alone already at the cluster's rate: no padding, no cluster.
        var full = ProbeController()
        let v6 = full.start(estimate: 300_000, wanted: 3_000_000, sending: 700_000, congested: false, now: 0)
        #expect(v6 == nil)
        // A paused video that needs 400 kbit/s to resume: 1.25 × that, more than 2 × the estimate;
        // still never above what is wanted, and 2 × the estimate when that is more.
        var paused = ProbeController()
        let v7 = paused.start(estimate: 50_000, wanted: 3_000_000, sending: 40_000, resume: 400_000, congested: false, now: 0)
        #expect(v7?.bitrate == 500_000)
        var capped = ProbeController()
        let v8 = capped.start(estimate: 50_000, wanted: 450_000, sending: 40_000, resume: 400_000, congested: false, now: 0)
        #expect(v8?.bitrate == 450_000)
        var doubled = ProbeController()
        let v9 = doubled.start(estimate: 300_000, wanted: 3_000_000, sending: 40_000, resume: 200_000, congested: false, now: 0)
        #expect(v9?.bitrate == 600_000)
    }

    @Test("what resumes the first paused video: the audio, the lowest layers before it, its own with the margin")
    func resumeEstimate() {
        var allocator = Allocator()
        let tracks: [Allocator.Track] = [
            .init(key: "audio", isAudio: true, layers: [40_000]),
            .init(key: "other", priority: .other, layers: [150_000, 500_000]),
            .init(key: "speaker", priority: .activeSpeaker, layers: [100_000, 300_000]),
        ]
        #expect(allocator.resumeEstimate(tracks) == nil)
        // 200 kbit/s: the audio and the speaker's lowest layer fit; the other video is paused.
        let decisions = allocator.allocate(estimate: 200_000, tracks: tracks, congested: false, now: TestClock().now)
        #expect(decisions["other"] == .paused)
        // 40 000 + 100 000 (the speaker first) + 1.2 × 150 000.
        #expect(allocator.resumeEstimate(tracks) == 320_000)
    }

    @Test("padding is paced over the cluster in whole packets, and adds up to the padding rate × its length")
    func pacing() throws {
        var probes = ProbeController()
        let v7 = probes.start(estimate: 1_000_000, wanted: 5_000_000, sending: 500_000, congested: false, now: 0)
        let cluster = try #require(v7)
        #expect(cluster.paddingBitrate == 1_500_000)
        var total = 0
        var perMillisecond: [Int] = []
        for ms in Int64(0)...40 {
            let due = probes.padding(now: ms * 1000)
            #expect(due % 275 == 0)
            perMillisecond.append(due)
            total += due
        }
        // 1.5 Mbit/s × 30 ms = 5 625 bytes: 20 whole packets; never more.
        #expect(total == 20 * 275)
        #expect(perMillisecond.max()! <= 2 * 275)
        let v8 = probes.padding(now: 50_000)
        #expect(v8 == 0)
    }

    /// `count` packets of `size` sent every `sendGap` µs from `start`, arriving `arrivalGap` apart.
    func packets(count: Int, size: Int, start: Int64, sendGap: Int64, arrivalGap: Int64, lost: Set<Int> = []) -> [Result] {
        (0..<count).map { index in
            Result(
                sendTime: start + Int64(index) * sendGap,
                arrivalTime: lost.contains(index) ? nil : 1_000_000 + Int64(index) * arrivalGap, size: size)
        }
    }

    @Test("the result: the smaller of send and receive rates; 0.95 × the receive rate when the path was the limit")
    func result() throws {
        var probes = ProbeController()
        let v9 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 0)
        _ = try #require(v9)
        // 10 packets of 1 000 bytes, 3 ms apart (2.67 Mbit/s... over 27 ms: 9 000 bytes less the last).
        let sent = packets(count: 10, size: 1000, start: 0, sendGap: 3000, arrivalGap: 3000)
        // Not complete until a packet sent after the window is reported.
        let v10 = probes.feedback(Array(sent.prefix(6)), now: 40_000)
        #expect(v10 == nil)
        let after = Result(sendTime: 35_000, arrivalTime: 1_040_000, size: 100)
        let v11 = probes.feedback(Array(sent.dropFirst(6)) + [after], now: 80_000)
        let bitrate = try #require(v11)
        #expect(bitrate == 9000 * 8 * 1_000_000 / 27_000)
        #expect(probes.cluster == nil && probes.results == 1)

        // Arrivals spread twice as much: the path carried half.
        var limited = ProbeController()
        _ = limited.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 0)
        let slow = packets(count: 10, size: 1000, start: 0, sendGap: 3000, arrivalGap: 6000)
        let v12 = limited.feedback(slow + [after], now: 80_000)
        let half = try #require(v12)
        #expect(half == Int(0.95 * Double(9000 * 8 * 1_000_000) / 54_000))

        // Over 10 % lost: no result; a retry only after the retry interval.
        var lossy = ProbeController()
        _ = lossy.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 0)
        let lost = packets(count: 10, size: 1000, start: 0, sendGap: 3000, arrivalGap: 3000, lost: [2, 5])
        let v13 = lossy.feedback(lost + [after], now: 80_000)
        #expect(v13 == nil)
        let v14 = lossy.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 500_000)
        #expect(v14 == nil)
        let v15 = lossy.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 1_080_000)
        #expect(v15 != nil)
    }

    @Test("a cluster that went for a paused video is retried after 0.5 s, one that did not after 1 s")
    func pausedRetry() throws {
        let after = Result(sendTime: 35_000, arrivalTime: 1_040_000, size: 100)
        // 1.3 Mbit/s arrived of a 4 (or 6.25) Mbit/s cluster: the path is the limit; and one
        // with no result (over 10 % lost).
        let slow = packets(count: 10, size: 1000, start: 0, sendGap: 3000, arrivalGap: 6000)
        let lossy = packets(count: 10, size: 1000, start: 0, sendGap: 3000, arrivalGap: 3000, lost: [2, 5])
        for sent in [slow, lossy] {
            var plain = ProbeController()
            let first = plain.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, congested: false, now: 0)
            #expect(first?.resuming == false)
            _ = plain.feedback(sent + [after], now: 80_000)
            #expect(plain.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, congested: false, now: 580_000) == nil)
            #expect(plain.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, congested: false, now: 1_080_000) != nil)

            var resuming = ProbeController()
            let started = resuming.start(
                estimate: 2_000_000, wanted: 20_000_000, sending: 0, resume: 5_000_000, congested: false, now: 0)
            let cluster = try #require(started)
            #expect(cluster.resuming && cluster.bitrate == 6_250_000)
            _ = resuming.feedback(sent + [after], now: 80_000)
            #expect(resuming.start(
                estimate: 2_000_000, wanted: 20_000_000, sending: 0, resume: 5_000_000, congested: false, now: 570_000) == nil)
            #expect(resuming.start(
                estimate: 2_000_000, wanted: 20_000_000, sending: 0, resume: 5_000_000, congested: false, now: 580_000) != nil)
        }
        // Cancelled on congestion: the same.
        var cancelled = ProbeController()
        let sending = cancelled.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, resume: 5_000_000, congested: false, now: 0)
        #expect(sending != nil)
        cancelled.cancel(now: 10_000)
        #expect(cancelled.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, congested: false, now: 509_000) == nil)
        #expect(cancelled.start(estimate: 2_000_000, wanted: 20_000_000, sending: 0, congested: false, now: 510_000) != nil)
    }

    @Test("cancelled on congestion: no more padding, no result, retried later; a cluster without feedback is given up")
    func cancelAndTimeout() throws {
        var probes = ProbeController()
        let v16 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 0)
        _ = try #require(v16)
        let v17 = probes.padding(now: 10_000)
        #expect(v17 > 0)
        probes.cancel(now: 10_000)
        let v18 = probes.padding(now: 20_000)
        #expect(v18 == 0)
        let v19 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 500_000)
        #expect(v19 == nil)
        let v20 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 1_010_000)
        #expect(v20 != nil)
        // Never a word on it: given up a second after its end, then retried a second later.
        let v21 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 1_500_000)
        #expect(v21 == nil)
        let v22 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 2_100_000)
        #expect(v22 == nil)
        let v23 = probes.start(estimate: 500_000, wanted: 5_000_000, sending: 0, congested: false, now: 3_100_000)
        #expect(v23 != nil)
    }

    @Test("a result raises the estimate at once (and the loss bound), unless the detector says over-use")
    func estimatorTakesTheResult() {
        var estimator = SendSideEstimator()
        let clock = TestClock()
        let before = estimator.estimate(now: clock.now)
        estimator.probeResult(before * 2, now: clock.now)
        #expect(estimator.estimate(now: clock.now) == before * 2)
        // Never lowered by a probe.
        estimator.probeResult(before, now: clock.now)
        #expect(estimator.estimate(now: clock.now) == before * 2)
    }

    /// The closed loop of ``BandwidthAllocatorTests/closedLoop()`` with
    /// probing: at each allocation a cluster may start; while one is sent
    /// the loop steps 1 ms at a time and sends the padding due.
    struct ProbingLoop {
        var path: PathSimulation
        var allocator = Allocator()
        var decisions: [String: Allocator.Decision] = [:]
        var nextAllocation: Int64 = 0
        let tracks = [
            Allocator.Track(key: "audio", isAudio: true, layers: [40_000]),
            Allocator.Track(key: "speaker", priority: .activeSpeaker, layers: BandwidthAllocatorTests.camera),
            Allocator.Track(key: "tile", priority: .visible, layers: BandwidthAllocatorTests.camera),
        ]
        /// The most media + padding a cluster was sent at, over what was wanted (bits/s).
        var overTarget = 0

        init(capacity: Int) {
            path = PathSimulation(capacity: capacity)
            path.probes = ProbeController()
        }

        var sending: Int { BandwidthAllocatorTests.budgets(decisions).values.reduce(0, +) }

        mutating func run(for duration: Duration) {
            let end = path.time + duration.nanosecondsValue / 1000
            let configuration = path.probes!.configuration
            while path.time < end {
                if path.time >= nextAllocation {
                    nextAllocation = path.time + 200_000
                    let congested = path.estimator.congested(within: .seconds(1), now: path.now)
                    decisions = allocator.allocate(estimate: path.estimate, tracks: tracks, congested: congested, now: path.now)
                    let wanted = Allocator.wanted(tracks)
                    // As the node does (SubscriberTransport+Probe): a shorter calm while a video
                    // is paused, and a cluster that goes for what resumes it.
                    let calm = allocator.paused.isEmpty ? configuration.calmPeriod : configuration.pausedCalmPeriod
                    if let cluster = path.probes!.start(
                        estimate: path.estimate, wanted: wanted, sending: sending,
                        resume: allocator.resumeEstimate(tracks),
                        congested: path.estimator.congested(within: calm, now: path.now), now: path.time) {
                        overTarget = max(overTarget, sending + cluster.paddingBitrate - wanted)
                    }
                }
                let rate = sending
                if path.probes!.isSending(at: path.time) {
                    if path.estimator.usage == .overusing { path.probes!.cancel(now: path.time) }
                    let padding = path.probes!.padding(now: path.time)
                    path.sendPadding(bytes: padding, size: configuration.paddingPacketSize)
                    path.run(for: .milliseconds(1)) { _ in rate }
                } else {
                    path.run(for: .milliseconds(10)) { _ in rate }
                }
            }
        }
    }

    /// Runs the closed-loop scenario up to the tile paused at 250 kbit/s,
    /// then lifts the shaping; returns when the tile resumed (nil: not in 12 s).
    static func resumeAfterRecovery<L>(
        _ loop: inout L, run: (inout L, Duration) -> Void, path: WritableKeyPath<L, PathSimulation>,
        tile: (L) -> Allocator.Decision?
    ) -> Duration? {
        run(&loop, .seconds(25))
        loop[keyPath: path].capacity = 500_000
        run(&loop, .milliseconds(10_500))
        loop[keyPath: path].capacity = 250_000
        run(&loop, .seconds(10))
        while tile(loop) != .paused { run(&loop, .milliseconds(200)) }
        loop[keyPath: path].capacity = 5_000_000
        for step in 1...60 {
            run(&loop, .milliseconds(200))
            if tile(loop) != .paused { return .milliseconds(200 * step) }
        }
        return nil
    }

    @Test("closed loop: with probes a paused tile resumes within 2 s of recovery; padding never above what is wanted")
    func closedLoopResume() throws {
        var plain = BandwidthAllocatorTests.Loop(path: PathSimulation(capacity: 5_000_000))
        let without = Self.resumeAfterRecovery(
            &plain, run: { $0.run(for: $1) }, path: \.path, tile: { $0.decisions["tile"] })
        var probing = ProbingLoop(capacity: 5_000_000)
        let trialsBefore = probing.allocator.trials
        let with = Self.resumeAfterRecovery(
            &probing, run: { $0.run(for: $1) }, path: \.path, tile: { $0.decisions["tile"] })
        let resumed = try #require(with)
        // 1.6 s before session 17's resume-sized clusters, 1.2 s with them.
        #expect(resumed <= .milliseconds(1_400), "resumed after \(resumed) with probes")
        #expect(probing.overTarget <= 0, "a cluster went \(probing.overTarget) bit/s over what was wanted")
        let probes = try #require(probing.path.probes)
        #expect(probes.results > 0)
        // Then the speaker's and the tile's top layers within the following seconds.
        probing.run(for: .seconds(5))
        let top = Allocator.Decision.forward(budget: 1_700_000)
        print("""
            probing closed loop: tile resumed \(String(describing: without)) after recovery without probes, \
            \(resumed) with; clusters \(probes.clustersStarted), results \(probes.results), \
            trials \(probing.allocator.trials - trialsBefore); padding \(probing.path.paddingSent) bytes of \
            \(probing.path.delivered) delivered; 5 s later speaker \(String(describing: probing.decisions["speaker"])), \
            tile \(String(describing: probing.decisions["tile"]))
            """)
        #expect(probing.decisions["speaker"] == top)
    }
}
