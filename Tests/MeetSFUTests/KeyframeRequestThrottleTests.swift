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
}
