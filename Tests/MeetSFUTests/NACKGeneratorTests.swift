import Testing
@testable import MeetSFU

@Suite struct NACKGeneratorTests {
    private func configuration(capacity: Int = 16, attempts: Int = 3) -> NACKGenerator.Configuration {
        var configuration = NACKGenerator.Configuration()
        configuration.capacity = capacity
        configuration.reorderDelay = .milliseconds(10)
        configuration.retryInterval = .milliseconds(100)
        configuration.maxAttempts = attempts
        configuration.maxAge = .seconds(1)
        return configuration
    }

    private func due(_ generator: inout NACKGenerator, _ clock: TestClock) -> [UInt16] {
        var out: [UInt16] = []
        generator.collectDue(now: clock.now, into: &out)
        return out
    }

    @Test func gapIsNACKedAfterTheReorderDelay() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration())
        expectEqual(generator.packetReceived(10, now: clock.now), .inOrder)
        expectEqual(generator.packetReceived(11, now: clock.now), .inOrder)
        expectEqual(generator.packetReceived(14, now: clock.now), .gap(missing: 2))
        expectTrue(due(&generator, clock).isEmpty) // could still be reordering
        clock.advance(.milliseconds(10))
        expectEqual(due(&generator, clock), [12, 13])
        expectTrue(due(&generator, clock).isEmpty) // retry interval not over
    }

    @Test func reorderedPacketIsNeverNACKed() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration())
        _ = generator.packetReceived(1, now: clock.now)
        _ = generator.packetReceived(3, now: clock.now)
        expectEqual(generator.packetReceived(2, now: clock.now), .recovered)
        clock.advance(.milliseconds(50))
        expectTrue(due(&generator, clock).isEmpty)
        expectEqual(generator.packetReceived(2, now: clock.now), .duplicate)
    }

    @Test func retriesUntilTheAttemptLimit() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration(attempts: 3))
        _ = generator.packetReceived(1, now: clock.now)
        _ = generator.packetReceived(3, now: clock.now)
        var sent = 0
        for _ in 0..<20 {
            clock.advance(.milliseconds(50))
            sent += due(&generator, clock).count
        }
        #expect(sent == 3)
        #expect(generator.missingCount == 0)
        #expect(generator.abandoned == 1)
    }

    @Test func retransmissionStopsTheNACKs() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration())
        _ = generator.packetReceived(1, now: clock.now)
        _ = generator.packetReceived(3, now: clock.now)
        clock.advance(.milliseconds(20))
        expectEqual(due(&generator, clock), [2])
        expectEqual(generator.packetReceived(2, now: clock.now), .recovered)
        clock.advance(.milliseconds(200))
        expectTrue(due(&generator, clock).isEmpty)
    }

    @Test func hugeGapResetsAndAsksForAKeyframe() {
        let clock = TestClock()
        var generator = NACKGenerator(configuration: configuration(capacity: 16))
        _ = generator.packetReceived(1, now: clock.now)
        expectEqual(generator.packetReceived(100, now: clock.now), .gapTooLarge)
        #expect(generator.missingCount == 0)
        expectEqual(generator.packetReceived(101, now: clock.now), .inOrder)
    }

    @Test func capacityDropsTheOldestMissing() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration(capacity: 4))
        _ = generator.packetReceived(0, now: clock.now)
        _ = generator.packetReceived(4, now: clock.now) // 1, 2, 3 missing
        _ = generator.packetReceived(7, now: clock.now) // 5, 6 missing: 1 dropped
        clock.advance(.milliseconds(10))
        expectEqual(due(&generator, clock), [2, 3, 5, 6])
        #expect(generator.abandoned == 1)
    }

    /// Extended numbers across the 16-bit wrap come out as the wire's 16-bit values.
    @Test func wrapAroundProducesWireSequenceNumbers() {
        var clock = TestClock()
        var generator = NACKGenerator(configuration: configuration())
        _ = generator.packetReceived(65_534, now: clock.now)
        _ = generator.packetReceived(65_538, now: clock.now)
        clock.advance(.milliseconds(10))
        expectEqual(due(&generator, clock), [65_535, 0, 1])
    }
}
