import Testing
@testable import MeetSFUNode

/// docs/dev/sfu-idle.md, "timers proportional to the work": the worker's
/// RTCP timer runs every 20 ms while there is work, once a second (each
/// tick a report tick) after a second without, not at all after a second
/// with no transport, and any work brings 20 ms back. Driven with a test
/// clock (ticks at chosen instants, no sleeps).
@Suite struct TickCadenceTests {
    let t0 = ContinuousClock.now

    /// Runs fast ticks from `from` (ms) to `to` (ms) with `load`; returns the pace after the last.
    func run(_ cadence: inout TickCadence, from: Int, to: Int, load: TickCadence.Load) -> TickCadence.Pace {
        var pace = cadence.pace
        for ms in stride(from: from, through: to, by: 20) {
            let now = t0 + .milliseconds(ms)
            _ = cadence.reportsDue(now: now)
            pace = cadence.paceAfterTick(now: now, load: load)
        }
        return pace
    }

    @Test func aWorkerWithTransportsAndNothingDueSlowsAfterASecond() {
        var cadence = TickCadence()
        #expect(cadence.pace == .fast)
        let pace1 = run(&cadence, from: 20, to: 500, load: .busy)
        #expect(pace1 == .fast)
        // Quiet from 520 ms: still fast until a second after the last busy tick.
        let pace2 = run(&cadence, from: 520, to: 1_480, load: .quiet)
        #expect(pace2 == .fast)
        let pace3 = run(&cadence, from: 1_500, to: 1_500, load: .quiet)
        #expect(pace3 == .slow)
        // Slow ticks stay slow while quiet, and every one is a report tick.
        for second in 2...5 {
            let now = t0 + .milliseconds(1_500) + .seconds(second - 1)
            let reports = cadence.reportsDue(now: now)
            let pace = cadence.paceAfterTick(now: now, load: .quiet)
            #expect(reports && pace == .slow)
        }
    }

    @Test func anEmptyWorkerPausesAndAnySlowTickThatFindsNothingPausesIt() {
        var cadence = TickCadence()
        // The first tick starts the count.
        let pace4 = run(&cadence, from: 20, to: 1_000, load: .empty)
        #expect(pace4 == .fast)
        let pace5 = run(&cadence, from: 1_020, to: 1_020, load: .empty)
        #expect(pace5 == .paused)

        var slow = TickCadence()
        let pace6 = run(&slow, from: 20, to: 1_020, load: .quiet)
        #expect(pace6 == .slow)
        // The last transport closed while slow: the next tick pauses.
        let pace = slow.paceAfterTick(now: t0 + .milliseconds(2_020), load: .empty)
        #expect(pace == .paused)
    }

    @Test func workBringsTheFastPaceBackAtOnceAndForAnotherSecond() {
        var cadence = TickCadence()
        let pace7 = run(&cadence, from: 20, to: 1_020, load: .quiet)
        #expect(pace7 == .slow)
        // A packet (or feedback, or a control action) between slow ticks.
        let woke = cadence.wake(now: t0 + .milliseconds(1_500))
        #expect(woke && cadence.pace == .fast)
        // Waking a fast timer changes nothing (the caller does not re-arm).
        let again = cadence.wake(now: t0 + .milliseconds(1_510))
        #expect(!again)
        // Quiet fast ticks after it: fast for a second after the wake.
        let pace8 = run(&cadence, from: 1_520, to: 2_500, load: .quiet)
        #expect(pace8 == .fast)
        let pace9 = run(&cadence, from: 2_520, to: 2_520, load: .quiet)
        #expect(pace9 == .slow)
        // A paused timer wakes the same way.
        var paused = TickCadence()
        let pace10 = run(&paused, from: 20, to: 1_020, load: .empty)
        #expect(pace10 == .paused)
        let resumed = paused.wake(now: t0 + .seconds(5))
        #expect(resumed && paused.pace == .fast)
    }

    @Test func aSlowTickThatFindsWorkGoesFast() {
        // Work no wake announced (a retirement, a held keyframe request) is
        // found by the next slow tick, at most a second late.
        var cadence = TickCadence()
        let pace11 = run(&cadence, from: 20, to: 1_020, load: .quiet)
        #expect(pace11 == .slow)
        let pace = cadence.paceAfterTick(now: t0 + .milliseconds(2_020), load: .busy)
        #expect(pace == .fast)
    }

    @Test func reportsAreDueOnceASecondAtEitherPace() {
        var cadence = TickCadence()
        var reports: [Int] = []
        for ms in stride(from: 20, through: 3_000, by: 20) {
            if cadence.reportsDue(now: t0 + .milliseconds(ms)) { reports.append(ms) }
            _ = cadence.paceAfterTick(now: t0 + .milliseconds(ms), load: .busy)
        }
        // The first tick sets the schedule; then one report a second.
        #expect(reports == [1_020, 2_020])

        // Slow, then woken: the next report comes a second after the last slow one, not 50 ticks after the wake.
        var idle = TickCadence()
        let pace12 = run(&idle, from: 20, to: 1_020, load: .quiet)
        #expect(pace12 == .slow)
        let slowReport = idle.reportsDue(now: t0 + .milliseconds(2_020))
        let woke = idle.wake(now: t0 + .milliseconds(2_300))
        #expect(slowReport && woke)
        var after: [Int] = []
        for ms in stride(from: 2_320, through: 3_500, by: 20) {
            if idle.reportsDue(now: t0 + .milliseconds(ms)) { after.append(ms) }
        }
        #expect(after == [3_020])
    }
}
