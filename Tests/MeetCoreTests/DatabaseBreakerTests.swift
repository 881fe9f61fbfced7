import Testing

@testable import MeetCore

/// The database circuit breaker (issue #23): once PostgreSQL is seen not
/// to answer, operations fail at once instead of each waiting out the
/// operation timeout; the first answer closes it.
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

    @Test func anOperationRunningPastTheDeadlineWithNothingAnsweredOpensItAtTheNextAdmission() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        _ = self.ticket(breaker.admit(now: self.t0))
        // Not yet at the deadline: the next operation runs.
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(999)))
        #expect(breaker.admit(now: self.t0 + .milliseconds(1000)) == .reject(probe: true))
        #expect(breaker.state == .open(since: self.t0 + .milliseconds(1000)))
        // One probe at a time.
        #expect(breaker.admit(now: self.t0 + .milliseconds(1100)) == .reject(probe: false))
    }

    @Test func aSlowOperationWhilePostgresAnswersOthersDoesNotOpenIt() {
        var breaker = Breaker(deadline: .milliseconds(1000))
        _ = self.ticket(breaker.admit(now: self.t0))
        let quick = self.ticket(breaker.admit(now: self.t0 + .milliseconds(100)))
        _ = breaker.finished(quick, answered: true, now: self.t0 + .milliseconds(200))
        _ = self.ticket(breaker.admit(now: self.t0 + .milliseconds(1500)))
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
        let failed = breaker.probeFinished(answered: false, now: self.t0 + .milliseconds(500))
        #expect(failed.closedAfter == nil && failed.again && breaker.isProbing)
        let answered = breaker.probeFinished(answered: true, now: self.t0 + .milliseconds(800))
        #expect(answered.closedAfter == .milliseconds(795) && !answered.again && breaker.state == .closed)
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
