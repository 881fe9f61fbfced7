import Testing
@testable import MeetSFUNode

/// The heartbeat reads the worker threads' `/proc` stat on its first beat,
/// then every fourth (docs/dev/sfu-idle.md, item 4).
@Suite struct WorkerCPUSamplingTests {
    @Test func theFirstBeatThenEveryFourth() {
        var sampling = WorkerCPUSampling()
        let reads = (0..<10).map { _ in sampling.beat() }
        #expect(reads == [true, false, false, false, true, false, false, false, true, false])
    }

    @Test func everyBeatWhenAskedForOneAndNeverLessThanOne() {
        var one = WorkerCPUSampling(every: 1)
        let reads = (0..<3).map { _ in one.beat() }
        #expect(reads == [true, true, true])
        var zero = WorkerCPUSampling(every: 0)
        #expect(zero.every == 1)
        let first = zero.beat()
        let second = zero.beat()
        #expect(first && second)
    }
}
