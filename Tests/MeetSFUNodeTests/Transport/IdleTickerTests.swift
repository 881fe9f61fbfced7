import MeetRTC
import Testing
@testable import MeetSFUNode

/// docs/dev/sfu-idle.md, "No tick while idle": a worker's 20 ms timer stops
/// a second after its last transport closed, and starts again with the next.
@Suite struct IdleTickerTests {
    @Test func theTimerPausesWithNoTransportAndResumesWithTheNext() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        #expect(await harness.manager.isTicking)
        #expect(try await harness.manager.close(participantId: "bob") == 1)
        #expect(try await harness.manager.close(participantId: "alice") == 1)
        try await waitUntil("the idle worker's timer paused") { await !harness.manager.isTicking }
        // A new publisher brings it back.
        _ = try await NodeConnectionLoopbackTests.publish("carol", to: harness.manager)
        #expect(await harness.manager.isTicking)
        try await harness.shutdown()
    }
}
