import Testing
@testable import MeetSFU

@Suite struct KeyframeRequestThrottleTests {
    @Test func manyRequestsCollapseIntoOnePerInterval() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500))
        #expect(throttle.request(now: clock.now))
        for _ in 0..<99 { #expect(!throttle.request(now: clock.now)) }
        #expect(throttle.suppressed == 99)
        clock.advance(.milliseconds(499))
        #expect(!throttle.request(now: clock.now))
        #expect(!throttle.poll(now: clock.now))
        clock.advance(.milliseconds(1))
        #expect(throttle.poll(now: clock.now)) // the held-back request goes out
        #expect(!throttle.poll(now: clock.now))
        #expect(throttle.firSequenceNumber == 2)
    }

    @Test func keyframeAnswersPendingRequests() {
        var clock = TestClock()
        var throttle = KeyframeRequestThrottle(interval: .milliseconds(500))
        #expect(throttle.request(now: clock.now))
        clock.advance(.milliseconds(100))
        #expect(!throttle.request(now: clock.now))
        #expect(throttle.isPending)
        throttle.keyframeReceived()
        clock.advance(.seconds(1))
        #expect(!throttle.poll(now: clock.now))
        #expect(throttle.request(now: clock.now)) // a fresh window
    }
}
