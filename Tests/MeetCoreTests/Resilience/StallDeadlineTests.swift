import Testing

@testable import MeetCore

/// The breaker's learned deadline (issue #23, ``StallDeadline``): the
/// floor while the dependency answers quickly, so the first requests of a
/// freeze fail within about 50 ms; wider as soon as answers (or this
/// process) are slow, so a loaded machine's live Redis does not open the
/// breaker. (An extension of ``CircuitBreakerTests`` for its helpers.)
extension CircuitBreakerTests {
    // MARK: A learned deadline

    func learning() -> Breaker {
        Breaker(deadline: .seconds(2), policy: .open, floor: .milliseconds(50))
    }

    /// A breaker that has seen one quick answer (1 ms), just before `t0`.
    func learned() -> Breaker {
        var breaker = self.learning()
        let quick = self.ticket(breaker.admit(now: self.t0 - .milliseconds(2)))
        _ = breaker.finished(quick, .answered, now: self.t0 - .milliseconds(1))
        return breaker
    }

    /// A new client knows nothing yet: its first command on a loaded machine
    /// (the first PING of a test's client at load 20) is no stall.
    @Test func beforeAnyAnswerTheDeadlineIsTheCeiling() {
        var breaker = self.learning()
        #expect(breaker.deadline == .seconds(2))
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.check(now: self.t0 + .milliseconds(300)) == .nothing)
        #expect(breaker.nextCheck == self.t0 + .seconds(2))
    }

    @Test func quickAnswersKeepTheFloorAndAFreezeOpensAfterIt() {
        var breaker = self.learning()
        let quick = self.ticket(breaker.admit(now: self.t0))
        _ = breaker.finished(quick, .answered, now: self.t0 + .milliseconds(1))
        #expect(breaker.deadline == .milliseconds(50))
        // Redis freezes under the next command: it opens 50 ms after it went out.
        let frozen = self.t0 + .seconds(1)
        _ = self.ticket(breaker.admit(now: frozen))
        #expect(breaker.nextCheck == frozen + .milliseconds(50))
        #expect(breaker.check(now: frozen + .milliseconds(50)) == .opened)
    }

    @Test func slowAnswersWidenTheDeadlineUpToTheCeilingAndItNarrowsAgain() {
        var breaker = self.learning()
        let slow = self.ticket(breaker.admit(now: self.t0))
        _ = breaker.finished(slow, .answered, now: self.t0 + .milliseconds(300))
        #expect(breaker.deadline == .milliseconds(1200))
        // A command as slow again is no stall now.
        let next = self.t0 + .milliseconds(400)
        _ = self.ticket(breaker.admit(now: next))
        #expect(breaker.check(now: next + .milliseconds(300)) == .nothing)
        // Slower than the ceiling allows: capped.
        var capped = self.learning()
        let verySlow = self.ticket(capped.admit(now: self.t0))
        _ = capped.finished(verySlow, .answered, now: self.t0 + .seconds(1))
        #expect(capped.deadline == .seconds(2))
        // Quick answers for ten half-lives (30 s each): back to the floor.
        for step in 1...20 {
            let at = self.t0 + .seconds(15 * step)
            let quick = self.ticket(capped.admit(now: at))
            _ = capped.finished(quick, .answered, now: at + .milliseconds(1))
        }
        #expect(capped.deadline == .milliseconds(50))
    }

    /// The check itself runs late on a starved machine: that lateness is
    /// learned before anything is blamed on the dependency. (With a fixed
    /// deadline this opened the breaker on a live Redis at load 10–30.)
    @Test func aCheckThatRunsLateWidensTheDeadlineInsteadOfOpening() {
        var breaker = self.learned()
        _ = self.ticket(breaker.admit(now: self.t0))
        // Due at 50 ms, run at 400 ms: 350 ms late, so 1.4 s now.
        #expect(breaker.check(now: self.t0 + .milliseconds(400)) == .nothing)
        #expect(!breaker.isOpen)
        #expect(breaker.nextCheck == self.t0 + .milliseconds(1400))
        // Still nothing answered when that check runs on time: a stall.
        #expect(breaker.check(now: self.t0 + .milliseconds(1400)) == .opened)
    }

    /// A false alarm: the breaker opened, and the dependency answered soon
    /// after (a pause, not an outage). The next stall waits that long.
    @Test func aShortOpeningIsLearnedAndALongOneIsNot() {
        var breaker = self.learned()
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.check(now: self.t0 + .milliseconds(50)) == .opened)
        #expect(breaker.answered(now: self.t0 + .milliseconds(250)) == .milliseconds(200))
        #expect(breaker.deadline == .seconds(1))  // 4 × 250 ms
        // An outage (open longer than the ceiling) teaches nothing.
        var outage = self.learned()
        _ = self.ticket(outage.admit(now: self.t0))
        #expect(outage.check(now: self.t0 + .milliseconds(50)) == .opened)
        #expect(outage.answered(now: self.t0 + .seconds(30)) == .milliseconds(29_950))
        #expect(outage.deadline == .milliseconds(50))
    }

    @Test func aFixedDeadlineLearnsNothing() {
        var breaker = Breaker(deadline: .milliseconds(500), policy: .open)
        let slow = self.ticket(breaker.admit(now: self.t0))
        _ = breaker.finished(slow, .answered, now: self.t0 + .seconds(3))
        #expect(breaker.deadline == .milliseconds(500))
        _ = self.ticket(breaker.admit(now: self.t0 + .seconds(4)))
        #expect(breaker.check(now: self.t0 + .seconds(5)) == .opened)
    }
}
