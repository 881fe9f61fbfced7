import Testing
@testable import MeetSFU

@Suite struct KeyframeRequestThrottleTests {
    @Test func manyRequestsCollapseIntoOnePerInterval() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500))
        expectTrue(throttle.request(now: clock.now))
        for _ in 0..<99 { expectTrue(!throttle.request(now: clock.now)) }
        #expect(throttle.suppressed == 99)
        clock.advance(.milliseconds(499))
        expectTrue(!throttle.request(now: clock.now))
        expectTrue(!throttle.poll(now: clock.now))
        clock.advance(.milliseconds(1))
        expectTrue(throttle.poll(now: clock.now)) // the held-back request goes out
        expectTrue(!throttle.poll(now: clock.now))
        #expect(throttle.firSequenceNumber == 2)
    }

    @Test func keyframeAnswersPendingRequests() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500))
        expectTrue(throttle.request(now: clock.now))
        clock.advance(.milliseconds(100))
        expectTrue(!throttle.request(now: clock.now))
        #expect(throttle.isPending)
        throttle.keyframeReceived()
        clock.advance(.seconds(1))
        expectTrue(!throttle.poll(now: clock.now))
        expectTrue(throttle.request(now: clock.now)) // a fresh window
    }

    /// A new subscriber after the last keyframe arrived: 200 ms spacing, not 500.
    @Test func aJoinAfterAnAnsweredRequestWaitsOnlyTheJoinSpacing() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500), joinSpacing: .milliseconds(200))
        expectTrue(throttle.requestForNewSubscriber(now: clock.now))
        clock.advance(.milliseconds(40))
        throttle.keyframeReceived()
        clock.advance(.milliseconds(210))
        expectTrue(throttle.requestForNewSubscriber(now: clock.now))
        // Too soon after that one: held back until the join spacing, not the interval.
        clock.advance(.milliseconds(50))
        throttle.keyframeReceived()
        expectTrue(!throttle.requestForNewSubscriber(now: clock.now))
        clock.advance(.milliseconds(149))
        expectTrue(!throttle.poll(now: clock.now))
        clock.advance(.milliseconds(1))
        expectTrue(throttle.poll(now: clock.now))
    }

    /// A join while the requested keyframe is still on its way is absorbed:
    /// that keyframe reaches the new down-track too.
    @Test func aJoinWhileAKeyframeIsAwaitedIsAbsorbed() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500), joinSpacing: .milliseconds(200))
        expectTrue(throttle.request(now: clock.now))
        clock.advance(.milliseconds(300))
        expectTrue(!throttle.requestForNewSubscriber(now: clock.now))
        #expect(throttle.isPending)
        throttle.keyframeReceived()
        clock.advance(.seconds(1))
        expectTrue(!throttle.poll(now: clock.now))
        // No keyframe ever came: the held-back join goes out when the interval ends.
        expectTrue(throttle.request(now: clock.now))
        clock.advance(.milliseconds(300))
        expectTrue(!throttle.requestForNewSubscriber(now: clock.now))
        clock.advance(.milliseconds(199))
        expectTrue(!throttle.poll(now: clock.now))
        clock.advance(.milliseconds(1))
        expectTrue(throttle.poll(now: clock.now))
    }
}
