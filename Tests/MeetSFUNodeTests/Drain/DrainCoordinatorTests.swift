import Foundation
import Logging
import MeetProtocol
import MeetRTC
import NIOConcurrencyHelpers
import Testing

@testable import MeetSFUNode

/// The drain coordinator with signals from a stream the test feeds (no
/// process signals) and a real ``TransportManager``.
@Suite("DrainCoordinator: SIGTERM drains, then shuts down", .serialized)
struct DrainCoordinatorTests {
    /// A running coordinator and what it did.
    final class Run: Sendable {
        let signals: AsyncStream<DrainPolicy.Signal>.Continuation
        let announced = NIOLockedValueBox<[SFUNodeDrainingEvent]>([])
        let refreshes = NIOLockedValueBox(0)
        let shutDowns = NIOLockedValueBox<[DrainPolicy.EndReason]>([])
        let task: Task<Void, Never>

        init(manager: TransportManager, timeout: Duration) {
            let (stream, signals) = AsyncStream.makeStream(of: DrainPolicy.Signal.self)
            self.signals = signals
            let announced = announced, refreshes = refreshes, shutDowns = shutDowns
            let coordinator = DrainCoordinator(
                timeout: timeout, nodeId: "node-test", transports: manager, logger: Logger(label: "test.drain"),
                refreshRecord: { refreshes.withLockedValue { $0 += 1 } },
                announce: { event in announced.withLockedValue { $0.append(event) } })
            task = Task {
                await coordinator.run(signals: stream) { reason in shutDowns.withLockedValue { $0.append(reason) } }
            }
        }

        var reasons: [DrainPolicy.EndReason] { shutDowns.withLockedValue { $0 } }

        func stop() async {
            task.cancel()
            await task.value
        }
    }

    @Test("SIGTERM on an empty node: announced (record refreshed, event), then shut down at once")
    func emptyNode() async throws {
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
        let run = Run(manager: manager, timeout: .seconds(30))
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        run.signals.yield(.terminate)
        try await waitUntil("the drain ended") { !run.reasons.isEmpty }
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(run.reasons == [.empty])
        let event = try #require(run.announced.withLockedValue { $0.first })
        #expect(event.nodeId == "node-test")
        #expect(event.deadlineMs >= before + 30_000 && event.deadlineMs <= after + 30_000)
        #expect(run.refreshes.withLockedValue { $0 } == 1)
        #expect(await manager.isDraining)
        // Late signals are ignored: no second shutdown.
        run.signals.yield(.terminate)
        run.signals.yield(.interrupt)
        await run.stop()
        #expect(run.reasons == [.empty])
        await manager.closeAll()
        try await socket.close()
    }

    @Test("SIGTERM with transports: forwarding goes on, new publishers are refused, shutdown when the last closes")
    func drainsUntilEmpty() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let run = Run(manager: harness.manager, timeout: .seconds(60))
        run.signals.yield(.terminate)
        try await waitUntil("the drain was announced") { !run.announced.withLockedValue { $0.isEmpty } }
        #expect(await harness.manager.isDraining)
        await #expect(throws: SFUControlError.draining) {
            _ = try await harness.manager.createPublisher(CreatePublisherRequest(participantId: "dave", roomId: "r", offer: ""))
        }
        // Existing transports keep forwarding.
        var sequence: UInt16 = 7000
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: 3)
        #expect(run.reasons.isEmpty)

        // The clients migrate: bob's subscriber closes, alice's publisher is retired and follows.
        _ = try await harness.manager.close(transportId: harness.subscription.transportId)
        #expect(run.reasons.isEmpty)
        #expect(try await harness.manager.retire(transportId: harness.published.transportId) == 1)
        try await waitUntil("the drain ended") { !run.reasons.isEmpty }
        #expect(run.reasons == [.empty])
        await run.stop()
        try await harness.shutdown()
    }

    @Test("the drain timeout ends a drain with transports still open")
    func timesOut() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        let run = Run(manager: harness.manager, timeout: .milliseconds(300))
        run.signals.yield(.terminate)
        try await waitUntil("the drain ended") { !run.reasons.isEmpty }
        #expect(run.reasons == [.timeout])
        #expect(await harness.manager.transportCount == 2)
        await run.stop()
        try await harness.shutdown()
    }

    @Test("a second SIGTERM, or a SIGINT, ends the drain at once")
    func secondSignal() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        let run = Run(manager: harness.manager, timeout: .seconds(60))
        run.signals.yield(.terminate)
        try await waitUntil("the drain was announced") { !run.announced.withLockedValue { $0.isEmpty } }
        run.signals.yield(.terminate)
        try await waitUntil("the drain ended") { !run.reasons.isEmpty }
        #expect(run.reasons == [.signal])
        await run.stop()

        let interrupted = Run(manager: harness.manager, timeout: .seconds(60))
        interrupted.signals.yield(.interrupt)
        try await waitUntil("SIGINT shut down") { !interrupted.reasons.isEmpty }
        #expect(interrupted.reasons == [.signal])
        #expect(interrupted.announced.withLockedValue { $0.isEmpty })
        await interrupted.stop()
        try await harness.shutdown()
    }
}
