import Testing

@testable import MeetSFU

/// The loss-based receive-side estimate behind the node's REMB, with a test clock.
@Suite struct ReceiveSideEstimatorTests {
    typealias Totals = ReceiveSideEstimator.Totals

    /// Feeds `seconds` one-second intervals at `bitsPerSecond` with `lossPercent`; returns the estimates sent.
    static func run(
        _ estimator: inout ReceiveSideEstimator, clock: inout TestClock, totals: inout Totals,
        seconds: Int, bitsPerSecond: Int, lossPercent: Int64
    ) -> [UInt64] {
        var sent: [UInt64] = []
        for _ in 0..<seconds {
            clock.advance(.seconds(1))
            totals.bytes += bitsPerSecond / 8
            totals.expected += 100
            totals.lost += lossPercent
            if let value = estimator.update(totals, now: clock.now) { sent.append(value) }
        }
        return sent
    }

    @Test func firstCallOnlySetsTheBaselineAndNothingIsSentWithinAnInterval() {
        var clock = TestClock()
        var estimator = ReceiveSideEstimator()
        #expect(estimator.update(Totals(bytes: 0, expected: 0, lost: 0), now: clock.now) == nil)
        clock.advance(.milliseconds(999))
        #expect(estimator.update(Totals(bytes: 60_000, expected: 100, lost: 0), now: clock.now) == nil)
        clock.advance(.milliseconds(1))
        #expect(estimator.update(Totals(bytes: 62_500, expected: 100, lost: 0), now: clock.now) != nil)
        #expect(estimator.incoming == 500_000)
    }

    @Test func noLossGrowsEightPercentASecondWhileTheSenderUsesItsRoom() {
        var clock = TestClock()
        var estimator = ReceiveSideEstimator()
        var totals = Totals(bytes: 0, expected: 0, lost: 0)
        _ = estimator.update(totals, now: clock.now)
        // A sender that always uses what it is given (aiortc follows REMB).
        var rate = 500_000
        var estimates: [UInt64] = []
        for _ in 0..<10 {
            let sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 1, bitsPerSecond: rate, lossPercent: 0)
            estimates += sent
            rate = Int(sent.last!)
        }
        // 500 kbit/s uses too little of the 1 Mbit/s start to grow it (bound 760k); from there it grows.
        #expect(Array(estimates.prefix(2)) == [1_000_000, 1_080_000])
        for (before, after) in zip(estimates.dropFirst(), estimates.dropFirst(2)) {
            #expect(after > before)
            #expect(Double(after) <= Double(before) * 1.08 + 1)
        }
    }

    @Test func anAppLimitedSenderDoesNotRunTheEstimateAway() {
        var clock = TestClock()
        var estimator = ReceiveSideEstimator()
        var totals = Totals(bytes: 0, expected: 0, lost: 0)
        _ = estimator.update(totals, now: clock.now)
        // 100 kbit/s against a 1 Mbit/s start: 1.5 × 100k + 10k is below it, so it holds.
        let sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 30, bitsPerSecond: 100_000, lossPercent: 0)
        #expect(sent.count == 30)
        #expect(sent.allSatisfy { $0 == 1_000_000 })
    }

    @Test func heavyLossDecreasesFromWhatArrivedAndModerateLossHolds() {
        var clock = TestClock()
        var estimator = ReceiveSideEstimator()
        var totals = Totals(bytes: 0, expected: 0, lost: 0)
        _ = estimator.update(totals, now: clock.now)
        // 20 % loss at 800 kbit/s: 800k × (1 − 0.1) = 720k.
        var sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 1, bitsPerSecond: 800_000, lossPercent: 20)
        #expect(sent == [720_000])
        #expect(estimator.lossFraction == 0.2)
        // 5 % loss: between the thresholds, hold.
        sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 3, bitsPerSecond: 700_000, lossPercent: 5)
        #expect(sent == [720_000, 720_000, 720_000])
        // 1 % loss: grows again.
        sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 1, bitsPerSecond: 700_000, lossPercent: 1)
        #expect(sent == [777_600])
    }

    @Test func theEstimateStaysWithinItsBounds() {
        var clock = TestClock()
        var configuration = ReceiveSideEstimator.Configuration()
        configuration.maximum = 2_000_000
        var estimator = ReceiveSideEstimator(configuration: configuration)
        var totals = Totals(bytes: 0, expected: 0, lost: 0)
        _ = estimator.update(totals, now: clock.now)
        var sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 60, bitsPerSecond: 5_000_000, lossPercent: 0)
        #expect(sent.last == 2_000_000)
        sent = Self.run(&estimator, clock: &clock, totals: &totals, seconds: 20, bitsPerSecond: 50_000, lossPercent: 90)
        #expect(sent.last == configuration.minimum)
    }

    @Test func totalsThatGoBackwardsRestartTheBaselineWithoutAJump() {
        var clock = TestClock()
        var estimator = ReceiveSideEstimator()
        _ = estimator.update(Totals(bytes: 1_000_000, expected: 5000, lost: 0), now: clock.now)
        clock.advance(.seconds(1))
        // A track was re-registered: its statistics started again.
        #expect(estimator.update(Totals(bytes: 1_100_000, expected: 10, lost: 0), now: clock.now) == 1_000_000)
        clock.advance(.seconds(1))
        #expect(estimator.update(Totals(bytes: 1_200_000, expected: 110, lost: 0), now: clock.now) == 1_080_000)
    }
}
