import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing
@testable import MeetRTC

/// `LoopTimer.arm(on:notAfter:_:)`, the ICE-lite consent timer's arming
/// (docs/dev/sfu-idle.md, item 3): a later deadline leaves the armed timer
/// alone (no cancel and reschedule per consent check), an earlier one
/// replaces it, and once it fired the next arming schedules anew. Virtual
/// time (`EmbeddedEventLoop`), no sleeps.
@Suite struct LoopTimerTests {
    @Test func aLaterDeadlineKeepsTheArmedTimerAndAnEarlierOneReplacesIt() {
        let loop = EmbeddedEventLoop()
        let fired = NIOLockedValueBox<[String]>([])
        var timer = LoopTimer()
        let now = ContinuousClock.now
        timer.arm(on: loop, notAfter: now + .seconds(10)) { fired.withLockedValue { $0.append("first") } }
        // Pushed later (a consent check): the first stays armed, this body is not scheduled.
        timer.arm(on: loop, notAfter: now + .seconds(20)) { fired.withLockedValue { $0.append("later") } }
        loop.advanceTime(by: .seconds(11))
        #expect(fired.withLockedValue { $0 } == ["first"])

        // It fired: the body says so, and the next arming schedules again.
        timer.fired()
        timer.arm(on: loop, notAfter: now + .seconds(20)) { fired.withLockedValue { $0.append("second") } }
        // An earlier deadline replaces the armed timer.
        timer.arm(on: loop, notAfter: now + .seconds(15)) { fired.withLockedValue { $0.append("earlier") } }
        loop.advanceTime(by: .seconds(30))
        #expect(fired.withLockedValue { $0 } == ["first", "earlier"])

        // Cancelled: nothing fires, and the next arming schedules.
        timer.fired()
        timer.arm(on: loop, notAfter: now + .seconds(50)) { fired.withLockedValue { $0.append("cancelled") } }
        timer.cancel()
        timer.arm(on: loop, notAfter: now + .seconds(60)) { fired.withLockedValue { $0.append("after cancel") } }
        // (Delays count from the loop's virtual now, 41 s in.)
        loop.advanceTime(by: .seconds(70))
        #expect(fired.withLockedValue { $0 } == ["first", "earlier", "after cancel"])
        try? loop.syncShutdownGracefully()
    }
}
