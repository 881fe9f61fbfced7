import Testing

@testable import MeetSFUNode

/// When a node writes its pod's deletion cost (issue #22): first value at
/// once, then only meaningful changes, never faster than the interval, and
/// nothing while draining.
@Suite struct DeletionCostPolicyTests {
    @Test func theFirstValueIsWrittenAtOnceEvenZero() {
        let policy = DeletionCostPolicy(minimumInterval: 10)
        #expect(policy.due(transports: 0, draining: false, now: 0) == 0)
        #expect(policy.due(transports: 7, draining: false, now: 0) == 7)
    }

    @Test func nothingIsWrittenWithinTheIntervalOfTheLastAttempt() {
        var policy = DeletionCostPolicy(minimumInterval: 10)
        policy.attempted(0, at: 0, succeeded: true)
        #expect(policy.due(transports: 50, draining: false, now: 9.9) == nil)
        #expect(policy.due(transports: 50, draining: false, now: 10) == 50)
    }

    @Test func smallChangesOfABigCountAreNotWorthAWrite() {
        var policy = DeletionCostPolicy(minimumInterval: 10)
        policy.attempted(100, at: 0, succeeded: true)
        #expect(policy.due(transports: 100, draining: false, now: 60) == nil)
        #expect(policy.due(transports: 95, draining: false, now: 60) == nil)
        #expect(policy.due(transports: 109, draining: false, now: 60) == nil)
        #expect(policy.due(transports: 112, draining: false, now: 60) == 112)
        #expect(policy.due(transports: 90, draining: false, now: 60) == 90)
    }

    @Test func everyChangeOfASmallCountAndTheStepToZeroAreWritten() {
        var policy = DeletionCostPolicy(minimumInterval: 10)
        policy.attempted(3, at: 0, succeeded: true)
        #expect(policy.due(transports: 4, draining: false, now: 10) == 4)
        #expect(policy.due(transports: 0, draining: false, now: 10) == 0)
        #expect(DeletionCostPolicy.isMeaningful(from: 1, to: 0))
        #expect(DeletionCostPolicy.isMeaningful(from: 0, to: 1))
        #expect(!DeletionCostPolicy.isMeaningful(from: 0, to: 0))
    }

    @Test func aFailedWriteIsRetriedAfterTheIntervalNotBefore() {
        var policy = DeletionCostPolicy(minimumInterval: 10)
        policy.attempted(5, at: 0, succeeded: false)
        #expect(policy.written == nil)
        #expect(policy.due(transports: 5, draining: false, now: 5) == nil)
        #expect(policy.due(transports: 5, draining: false, now: 10) == 5)
    }

    @Test func aDrainingNodeWritesNothing() {
        var policy = DeletionCostPolicy(minimumInterval: 10)
        #expect(policy.due(transports: 3, draining: true, now: 0) == nil)
        policy.attempted(3, at: 0, succeeded: true)
        #expect(policy.due(transports: 0, draining: true, now: 100) == nil)
    }

    @Test func theCostStaysInTheAnnotationsInt32Range() {
        #expect(DeletionCostPolicy.cost(transports: -1) == 0)
        #expect(DeletionCostPolicy.cost(transports: Int(Int32.max) + 5) == Int(Int32.max))
    }
}
