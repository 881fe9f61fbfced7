import Testing
@testable import MeetSFU

@Suite struct MediaTimeTests {
    @Test func nanosecondsAndTicks() {
        #expect(Duration.milliseconds(1500).nanosecondsValue == 1_500_000_000)
        #expect(Duration.milliseconds(20).rtpTicks(clockRate: 48_000) == 960)
        #expect(Duration.seconds(2).rtpTicks(clockRate: 90_000) == 180_000)
        #expect(Duration.milliseconds(-10).rtpTicks(clockRate: 90_000) == -900)
    }
}
