import Testing

@testable import MeetDatabase

/// The database circuit breaker (issue #23): once PostgreSQL is seen not
/// to answer, operations fail at once instead of each waiting out the
/// operation timeout; a slow operation alone only makes it a suspect that a
/// probe clears; the first answer closes it.
@Suite struct DatabaseBreakerTests {
    typealias Breaker = DatabaseBreaker<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    func ticket(_ admission: Breaker.Admission) -> UInt64 {
        guard case .run(let ticket) = admission else {
            Issue.record("refused: \(admission)")
            return 0
        }
        return ticket
    }

    @Test func anOperationRunningPastTheDeadlineIsProbedAndAnUnansweredProbeOpensIt() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        _ = self.ticket(breaker.admit(now: self.t0))
        #expect(breaker.nextCheck == self.t0 + .milliseconds(1000))
        let early = breaker.suspect(now: self.t0 + .milliseconds(999))
        let due = breaker.suspect(now: self.t0 + .milliseconds(1000))
        let again = breaker.suspect(now: self.t0 + .milliseconds(1100))  // one probe at a time
        #expect(!early && due && !again)
        #expect(breaker.state == .closed)
        let outcome = breaker.probeFinished(answered: false, now: self.t0 + .milliseconds(2000))
        #expect(outcome == .init(opened: true, again: true) && breaker.state == .open(since: self.t0 + .milliseconds(2000)))
        #expect(breaker.admit(now: self.t0 + .milliseconds(2001)) == .reject(probe: false))
        #expect(breaker.nextCheck == nil)
    }

    @Test func aSlowOperationOfALivePostgresIsClearedByItsProbe() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        let slow = self.ticket(breaker.admit(now: self.t0))
        let due = breaker.suspect(now: self.t0 + .milliseconds(1000))
        #expect(due && breaker.probeFinished(answered: true, now: self.t0 + .milliseconds(1010)) == .init())
        // Answered since it started: no longer a suspect, and its own failure opens nothing.
        let later = breaker.suspect(now: self.t0 + .milliseconds(3000))
        #expect(!later)
        #expect(breaker.finished(slow, answered: false, now: self.t0 + .milliseconds(5000)).opened == false)
        #expect(breaker.state == .closed)
    }

    @Test func aFailureWithoutAnAnswerOpensItAndTheProbeClosesIt() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        let first = self.ticket(breaker.admit(now: self.t0))
        let (closed, opened) = breaker.finished(first, answered: false, now: self.t0 + .milliseconds(5))
        #expect(closed == nil && opened && breaker.isOpen)
        #expect(breaker.startProbe() && !breaker.startProbe())
        #expect(breaker.admit(now: self.t0 + .milliseconds(10)) == .reject(probe: false))
        // A failed probe keeps its claim and asks for another.
        #expect(breaker.probeFinished(answered: false, now: self.t0 + .milliseconds(500)) == .init(again: true))
        #expect(breaker.isProbing)
        let answered = breaker.probeFinished(answered: true, now: self.t0 + .milliseconds(800))
        #expect(answered == .init(closedAfter: .milliseconds(795)) && breaker.state == .closed && !breaker.isProbing)
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(801)))
    }

    @Test func aServerErrorIsAnAnswerAndAFailureAfterAnAnswerDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        let a = self.ticket(breaker.admit(now: self.t0))
        let b = self.ticket(breaker.admit(now: self.t0 + .milliseconds(1)))
        _ = breaker.finished(b, answered: true, now: self.t0 + .milliseconds(2))
        // a started before that answer: its own failure (a lock wait past its deadline) opens nothing.
        #expect(breaker.finished(a, answered: false, now: self.t0 + .milliseconds(3)).opened == false)
        #expect(breaker.state == .closed)
    }
}
