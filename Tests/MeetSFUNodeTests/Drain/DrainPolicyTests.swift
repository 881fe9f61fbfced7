import Testing

@testable import MeetSFUNode

/// The drain's decisions with instants made up by the test (no signals, no sleeps).
@Suite("DrainPolicy: when a SIGTERM'd node shuts down")
struct DrainPolicyTests {
    let t0 = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        t0.advanced(by: .milliseconds(Int(seconds * 1000)))
    }

    @Test("SIGTERM with no transports: announce, then shut down at once (empty)")
    func emptyAtSignal() {
        var policy = DrainPolicy(timeout: .seconds(30))
        let actions = policy.received(.terminate, transports: 0, now: at(0))
        #expect(actions == [.announceDrain(deadline: at(30)), .shutDown(.empty)])
        #expect(policy.isStopped)
        #expect(policy.startedAt == at(0))
    }

    @Test("SIGTERM with transports: announce and wait until the count reaches 0")
    func waitsForTransports() {
        var policy = DrainPolicy(timeout: .seconds(30))
        #expect(policy.received(.terminate, transports: 5, now: at(0)) == [.announceDrain(deadline: at(30))])
        #expect(policy.deadline == at(30))
        #expect(policy.transportsChanged(to: 3, now: at(1)) == [])
        #expect(policy.transportsChanged(to: 1, now: at(2)) == [])
        #expect(policy.timerFired(transports: 1, now: at(29.9)) == [])  // an early timer changes nothing
        #expect(!policy.isStopped)
        #expect(policy.transportsChanged(to: 0, now: at(3)) == [.shutDown(.empty)])
        #expect(policy.isStopped && policy.deadline == nil)
        // Decided: later events are ignored.
        #expect(policy.transportsChanged(to: 0, now: at(4)) == [])
        #expect(policy.received(.terminate, transports: 0, now: at(5)) == [])
    }

    @Test("the deadline passes with transports left: shut down (timeout)")
    func timeout() {
        var policy = DrainPolicy(timeout: .seconds(10))
        _ = policy.received(.terminate, transports: 2, now: at(0))
        #expect(policy.timerFired(transports: 2, now: at(10)) == [.shutDown(.timeout)])
        #expect(policy.timerFired(transports: 2, now: at(11)) == [])
    }

    @Test("a count change after the deadline also ends it (late timer)")
    func lateTimer() {
        var policy = DrainPolicy(timeout: .seconds(10))
        _ = policy.received(.terminate, transports: 2, now: at(0))
        #expect(policy.transportsChanged(to: 1, now: at(12)) == [.shutDown(.timeout)])
    }

    @Test("a drain timeout of 0 with transports: announce, then shut down (timeout)")
    func zeroTimeout() {
        var policy = DrainPolicy(timeout: .zero)
        #expect(policy.received(.terminate, transports: 4, now: at(0)) == [.announceDrain(deadline: at(0)), .shutDown(.timeout)])
    }

    @Test("a second SIGTERM during the drain shuts down at once (signal)")
    func secondSignal() {
        var policy = DrainPolicy(timeout: .seconds(30))
        _ = policy.received(.terminate, transports: 2, now: at(0))
        #expect(policy.received(.terminate, transports: 2, now: at(1)) == [.shutDown(.signal)])
        #expect(policy.startedAt == at(0))
    }

    @Test("SIGINT while draining shuts down at once (signal)")
    func interruptWhileDraining() {
        var policy = DrainPolicy(timeout: .seconds(30))
        _ = policy.received(.terminate, transports: 2, now: at(0))
        #expect(policy.received(.interrupt, transports: 2, now: at(1)) == [.shutDown(.signal)])
    }

    @Test("SIGINT while serving shuts down at once, without a drain")
    func interruptWhileServing() {
        var policy = DrainPolicy(timeout: .seconds(30))
        #expect(policy.received(.interrupt, transports: 7, now: at(0)) == [.shutDown(.signal)])
        #expect(policy.startedAt == nil)
    }

    @Test("counts and timers before any signal change nothing")
    func servingIgnoresCounts() {
        var policy = DrainPolicy(timeout: .seconds(30))
        #expect(policy.transportsChanged(to: 0, now: at(0)) == [])
        #expect(policy.timerFired(transports: 0, now: at(100)) == [])
        #expect(!policy.isStopped && policy.deadline == nil)
    }
}
