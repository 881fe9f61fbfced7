import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing
@testable import MeetRTC

/// `LoopTimers`: the per-loop timer queue with one NIO timer at its head
/// (docs/dev/sfu-idle.md, item 3). An `EmbeddedEventLoop` (virtual time)
/// and a fake clock moved by the same amounts: no sleeps.
@Suite struct LoopTimersTests {
    /// The fake clock and the loop, advanced together.
    final class Harness {
        let loop = EmbeddedEventLoop()
        let origin = ContinuousClock.now
        let clock: NIOLockedValueBox<ContinuousClock.Instant>
        let timers: LoopTimers
        let fired = NIOLockedValueBox<[String]>([])

        init() {
            let clock = NIOLockedValueBox(origin)
            self.clock = clock
            timers = LoopTimers(eventLoop: loop, now: { clock.withLockedValue { $0 } })
        }

        func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

        /// Moves both clocks on by `milliseconds`, a millisecond at a time
        /// (so each NIO timer runs at its own virtual instant).
        func advance(_ milliseconds: Int) {
            for _ in 0..<milliseconds {
                clock.withLockedValue { $0 += .milliseconds(1) }
                loop.advanceTime(by: .milliseconds(1))
            }
        }

        func record(_ name: String) -> () -> Void {
            { [fired] in fired.withLockedValue { $0.append(name) } }
        }

        var names: [String] { fired.withLockedValue { $0 } }

        deinit { try? loop.syncShutdownGracefully() }
    }

    @Test func anIdleTransportHasOnlyItsConsentDeadlineAndAValidCheckMovesIt() {
        let h = Harness()
        let consent = h.timers.makeTimer(h.record("consent expired"))
        h.timers.schedule(consent, at: h.at(10_000))
        #expect(h.timers.scheduledCount == 1)
        #expect(h.timers.isArmed)

        // A valid check at 5 s moves the deadline to 15 s: no NIO call; the
        // armed timer fires at 10 s, runs nothing, and is armed for 15 s.
        h.advance(5_000)
        h.timers.schedule(consent, at: h.at(15_000))
        h.advance(5_000)
        #expect(h.names.isEmpty)
        #expect(h.timers.wakeUps == 1)
        #expect(h.timers.isArmed)
        #expect(h.timers.deadline(of: consent) == h.at(15_000))

        // Silence: it expires at 15 s.
        h.advance(5_000)
        #expect(h.names == ["consent expired"])
        #expect(h.timers.wakeUps == 2)
        #expect(h.timers.scheduledCount == 0)
        #expect(!h.timers.isArmed)
    }

    @Test func theQueueIsEmptyAndTheTimerDisarmedWhenTheLastTransportCloses() {
        let h = Harness()
        let transports = (0..<3).map { index in
            (
                consent: h.timers.makeTimer(h.record("consent \(index)")),
                dtls: h.timers.makeTimer(h.record("dtls \(index)"))
            )
        }
        for (index, transport) in transports.enumerated() {
            h.timers.schedule(transport.consent, at: h.at(10_000 + index))
            h.timers.schedule(transport.dtls, in: .seconds(1))
        }
        #expect(h.timers.scheduledCount == 6)
        for transport in transports {
            h.timers.release(transport.consent)
            h.timers.release(transport.dtls)
            #expect(h.timers.isArmed == (transport != transports.last!))
        }
        #expect(h.timers.scheduledCount == 0)
        #expect(h.timers.allocatedCount == 0)
        h.advance(20_000)
        #expect(h.names.isEmpty)
        #expect(h.timers.wakeUps == 0)
    }

    @Test func manyTransportsDueInOneSlotRunInOneWakeUp() {
        let h = Harness()
        for index in 0..<100 {
            let timer = h.timers.makeTimer(h.record("\(index)"))
            // Spread over 9.9 ms inside the slot [2000, 2010).
            h.timers.schedule(timer, at: h.at(2_000) + .microseconds(1 + index * 99))
        }
        h.advance(2_010)
        #expect(h.names.count == 100)
        #expect(h.timers.wakeUps == 1)
        #expect(!h.timers.isArmed)
    }

    @Test func aClosedTransportsStaleHandleNeverFiresOrMovesTheSlotsNextOwner() {
        let h = Harness()
        let closed = h.timers.makeTimer(h.record("closed"))
        h.timers.schedule(closed, at: h.at(100))
        h.timers.release(closed)
        let reused = h.timers.makeTimer(h.record("reused"))
        #expect(reused.slot == closed.slot)
        // The closed transport still holds its handle and arms it again.
        h.timers.schedule(closed, at: h.at(50))
        h.timers.cancel(closed)
        h.timers.release(closed)
        #expect(h.timers.scheduledCount == 0)
        h.timers.schedule(reused, at: h.at(200))
        h.timers.release(closed)
        h.advance(300)
        #expect(h.names == ["reused"])
    }

    @Test func aHandlerThatClosesAnotherTransportDueInTheSameWakeUpStopsItsTimer() {
        let h = Harness()
        let second = NIOLockedValueBox<TimerHandle?>(nil)
        let first = h.timers.makeTimer { [timers = h.timers, fired = h.fired] in
            fired.withLockedValue { $0.append("first") }
            if let handle = second.withLockedValue({ $0 }) { timers.release(handle) }
        }
        second.withLockedValue { $0 = h.timers.makeTimer(h.record("second")) }
        h.timers.schedule(first, at: h.at(100))
        h.timers.schedule(second.withLockedValue { $0! }, at: h.at(101))
        // A handler that re-schedules its own timer is armed again after the wake-up.
        var again: TimerHandle?
        again = h.timers.makeTimer { [timers = h.timers, fired = h.fired, clock = h.clock] in
            fired.withLockedValue { $0.append("again") }
            if fired.withLockedValue({ $0.filter { $0 == "again" }.count }) < 3 {
                timers.schedule(again!, at: clock.withLockedValue { $0 } + .milliseconds(500))
            }
        }
        h.timers.schedule(again!, at: h.at(105))
        h.advance(2_000)
        #expect(h.names == ["first", "again", "again", "again"])
        #expect(!h.timers.isArmed)
    }
}
