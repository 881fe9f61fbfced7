import Testing

@testable import MeetCore

/// The circuit breaker of the Redis command connection and of the
/// PostgreSQL pool (issue #23): once the dependency is seen not to answer,
/// operations fail at once instead of each waiting out its timeout; the
/// first answer closes it. Redis opens at once on a stall; PostgreSQL first
/// asks a probe, which tells a slow operation from a dead server.
@Suite struct CircuitBreakerTests {
    typealias Breaker = CircuitBreaker<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    func ticket(_ admission: Breaker.Admission) -> Breaker.Ticket {
        guard case .run(let ticket) = admission else {
            Issue.record("refused: \(admission)")
            return Breaker.Ticket(id: 0)
        }
        return ticket
    }

    // MARK: Open at once (Redis)

    @Test func anOperationUnansweredPastTheDeadlineWithNothingElseAnsweredOpensIt() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.nextCheck == self.t0 + .milliseconds(500))
        #expect(breaker.check(now: self.t0 + .milliseconds(499)) == .nothing)
        #expect(breaker.check(now: self.t0 + .milliseconds(500)) == .opened)
        #expect(breaker.state == .open(since: self.t0 + .milliseconds(500)))
        #expect(breaker.admit(now: self.t0 + .milliseconds(600)) == .reject(probe: true))
        // Once open: no timer, nothing opens it again (one "opened" per outage).
        #expect(breaker.nextCheck == nil)
        #expect(breaker.check(now: self.t0 + .seconds(2)) == .nothing)
    }

    @Test func aSlowOperationWhileTheDependencyAnswersOthersDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        let slow = self.ticket(breaker.admit(now: self.t0))
        // Something was answered after it was sent: the dependency is making progress.
        #expect(breaker.answered(now: self.t0 + .milliseconds(200)) == nil)
        #expect(breaker.check(now: self.t0 + .milliseconds(500)) == .nothing)
        #expect(breaker.nextCheck == nil)
        // An answer from before an operation was sent proves nothing about it.
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(300)))
        #expect(breaker.nextCheck == self.t0 + .milliseconds(800))
        #expect(breaker.check(now: self.t0 + .milliseconds(800)) == .opened)
        _ = breaker.finished(slow, .abandoned, now: self.t0 + .seconds(1))
    }

    @Test func oneProbeAtATimeAndTheFirstAnswerClosesIt() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        let probesWhileClosed = breaker.startProbe()
        #expect(!probesWhileClosed)  // closed: nothing to probe
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.check(now: self.t0 + .seconds(1)) == .opened)
        let probes = breaker.startProbe()
        let probesTwice = breaker.startProbe()
        #expect(probes && !probesTwice)  // one on its way already
        #expect(breaker.admit(now: self.t0 + .seconds(1)) == .reject(probe: false))
        // A probe that could not reach it (no connection) asks for another, keeping its claim.
        #expect(breaker.probeFinished(.abandoned, now: self.t0 + .seconds(2)) == .init(again: true))
        #expect(breaker.isProbing)
        // Any answer (the probe's, or an operation's sent before the stall) closes it.
        #expect(breaker.answered(now: self.t0 + .seconds(3)) == .seconds(2))
        #expect(breaker.state == .closed)
        _ = self.ticket(breaker.admit(now: self.t0 + .seconds(3)))
        // The probe's own late failure after closing starts nothing.
        #expect(breaker.probeFinished(.abandoned, now: self.t0 + .seconds(4)) == .init())
        #expect(!breaker.isProbing)
    }

    @Test func anAbandonedOperationOpensNothing() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        let lost = self.ticket(breaker.admit(now: self.t0))
        // The connection dropped: the supervisor's business, not the breaker's.
        let result = breaker.finished(lost, .abandoned, now: self.t0 + .milliseconds(10))
        #expect(result.closedAfter == nil && !result.opened)
        #expect(breaker.state == .closed && breaker.nextCheck == nil)
    }

    /// A Redis command admitted before its connection is up: a slow connect
    /// (the supervisor's business) is no stall; the clock starts when it is
    /// written. (The first version counted from the admission and opened the
    /// breaker on a loaded machine's slow first connect.)
    @Test func aCommandWaitingForItsConnectionIsNoStallUntilSent() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        let command = self.ticket(breaker.admit(now: self.t0, sentLater: true))
        #expect(breaker.nextCheck == nil)
        #expect(breaker.check(now: self.t0 + .seconds(2)) == .nothing)
        breaker.sent(command, now: self.t0 + .seconds(2))
        #expect(breaker.nextCheck == self.t0 + .milliseconds(2500))
        #expect(breaker.check(now: self.t0 + .milliseconds(2500)) == .opened)
    }

    // MARK: Probe first (PostgreSQL)

    @Test func anOperationRunningPastTheDeadlineIsProbedAndAnUnansweredProbeOpensIt() {
        var breaker = Breaker(deadline: .milliseconds(1000), policy: .probe)
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.nextCheck == self.t0 + .milliseconds(1000))
        #expect(breaker.check(now: self.t0 + .milliseconds(999)) == .nothing)
        #expect(breaker.check(now: self.t0 + .milliseconds(1000)) == .probe)
        #expect(breaker.check(now: self.t0 + .milliseconds(1100)) == .nothing)  // one probe at a time
        // No check is due while the probe runs: a past deadline here made the
        // driver's timer fire again at once, in a loop, until the probe ended.
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(1200)))
        #expect(breaker.nextCheck == nil)
        #expect(breaker.state == .closed)
        let outcome = breaker.probeFinished(.unanswered, now: self.t0 + .milliseconds(2000))
        #expect(outcome == .init(opened: true, again: true) && breaker.state == .open(since: self.t0 + .milliseconds(2000)))
        #expect(breaker.admit(now: self.t0 + .milliseconds(2001)) == .reject(probe: false))
        #expect(breaker.nextCheck == nil)
    }

    /// The old PostgreSQL breaker kept `nextCheck` at the slow operation's
    /// own deadline, already past once its probe was answered, so its
    /// driver's timer fired again at once, and again, for as long as the
    /// operation ran (a busy loop). An operation answered-since is no
    /// candidate for a stall, so there is no check to make.
    @Test func aSlowOperationOfALiveDependencyIsClearedByItsProbeAndTheTimerStops() {
        var breaker = Breaker(deadline: .milliseconds(1000), policy: .probe)
        let slow = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.check(now: self.t0 + .milliseconds(1000)) == .probe)
        #expect(breaker.probeFinished(.answered, now: self.t0 + .milliseconds(1010)) == .init())
        #expect(breaker.nextCheck == nil)
        #expect(breaker.check(now: self.t0 + .milliseconds(3000)) == .nothing)
        // Answered since it started: its own failure opens nothing.
        #expect(breaker.finished(slow, .unanswered, now: self.t0 + .milliseconds(1500)).opened == false)
        #expect(breaker.state == .closed && breaker.nextCheck == nil)
    }

    /// PostgreSQL closed the breaker's own idle connection (it stopped):
    /// the probe starts with nothing waiting, and its refusal opens the
    /// breaker before the next request would wait for a pool connection.
    /// A suspicion while probing or open claims nothing; an answered one
    /// changes nothing.
    @Test func aSuspicionProbesWithNothingWaitingAndAnUnansweredProbeOpensIt() {
        var breaker = Breaker(deadline: .milliseconds(250), policy: .probe)
        let first = breaker.suspect()
        let twice = breaker.suspect()
        #expect(first && !twice)  // one probe at a time
        #expect(breaker.probeFinished(.answered, now: self.t0) == .init())
        #expect(breaker.state == .closed && !breaker.isProbing)
        let again = breaker.suspect()
        #expect(again)
        #expect(breaker.probeFinished(.unanswered, now: self.t0 + .milliseconds(3)) == .init(opened: true, again: true))
        #expect(breaker.state == .open(since: self.t0 + .milliseconds(3)))
        #expect(breaker.admit(now: self.t0 + .milliseconds(4)) == .reject(probe: false))
        let whileOpen = breaker.suspect()
        #expect(!whileOpen)  // open: its probes are on their way
        #expect(breaker.probeFinished(.answered, now: self.t0 + .seconds(2)).closedAfter != nil)
        #expect(breaker.state == .closed)
    }

    @Test func aFailureWithoutAnAnswerOpensItAndTheProbeClosesIt() {
        var breaker = Breaker(deadline: .milliseconds(1000), policy: .probe)
        let first = self.ticket(breaker.admit(now: self.t0))
        let (closed, opened) = breaker.finished(first, .unanswered, now: self.t0 + .milliseconds(5))
        #expect(closed == nil && opened && breaker.isOpen)
        let probes = breaker.startProbe()
        let probesTwice = breaker.startProbe()
        #expect(probes && !probesTwice)
        #expect(breaker.admit(now: self.t0 + .milliseconds(10)) == .reject(probe: false))
        // A failed probe keeps its claim and asks for another.
        #expect(breaker.probeFinished(.unanswered, now: self.t0 + .milliseconds(500)) == .init(again: true))
        #expect(breaker.isProbing)
        let answered = breaker.probeFinished(.answered, now: self.t0 + .milliseconds(800))
        #expect(answered == .init(closedAfter: .milliseconds(795)) && breaker.state == .closed && !breaker.isProbing)
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(801)))
    }

    @Test func aServerErrorIsAnAnswerAndAFailureAfterAnAnswerDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(1000), policy: .probe)
        let a = self.ticket(breaker.admit(now: self.t0))
        let b = self.ticket(breaker.admit(now: self.t0 + .milliseconds(1)))
        _ = breaker.finished(b, .answered, now: self.t0 + .milliseconds(2))
        // a started before that answer: its own failure (a lock wait past its deadline) opens nothing.
        #expect(breaker.finished(a, .unanswered, now: self.t0 + .milliseconds(3)).opened == false)
        #expect(breaker.state == .closed)
    }

    @Test func aRefusalWhileOpenClaimsTheProbeWhenNoneIsOnItsWay() {
        var breaker = Breaker(deadline: .milliseconds(1000), policy: .probe)
        let first = self.ticket(breaker.admit(now: self.t0))
        _ = breaker.finished(first, .unanswered, now: self.t0 + .milliseconds(5))
        #expect(breaker.admit(now: self.t0 + .milliseconds(6)) == .reject(probe: true))
        #expect(breaker.admit(now: self.t0 + .milliseconds(7)) == .reject(probe: false))
    }
}
