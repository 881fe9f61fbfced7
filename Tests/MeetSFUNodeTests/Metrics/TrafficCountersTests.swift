import NIOCore
import NIOPosix
import Testing

@testable import MeetSFUNode

@Suite("Node metrics: traffic counters and per-worker CPU")
struct TrafficCountersTests {
    static func snapshot(packetsIn: Int, bytesIn: Int, packetsOut: Int, bytesOut: Int) -> TransportSnapshot {
        TransportSnapshot(
            publishers: 1, subscribers: 2, packetsIn: packetsIn, bytesIn: bytesIn, packetsOut: packetsOut, bytesOut: bytesOut,
            draining: false)
    }

    @Test("the first snapshot counts everything so far; later ones add their difference")
    func steps() {
        var tracker = TrafficStep.Tracker()
        #expect(
            tracker.step(to: Self.snapshot(packetsIn: 10, bytesIn: 1000, packetsOut: 20, bytesOut: 2000))
                == TrafficStep(packetsIn: 10, bytesIn: 1000, packetsOut: 20, bytesOut: 2000))
        #expect(
            tracker.step(to: Self.snapshot(packetsIn: 15, bytesIn: 1500, packetsOut: 30, bytesOut: 3000))
                == TrafficStep(packetsIn: 5, bytesIn: 500, packetsOut: 10, bytesOut: 1000))
        #expect(tracker.step(to: Self.snapshot(packetsIn: 15, bytesIn: 1500, packetsOut: 30, bytesOut: 3000)) == TrafficStep())
    }

    @Test("a total that went backwards counts from zero, never negative")
    func backwards() {
        var tracker = TrafficStep.Tracker()
        _ = tracker.step(to: Self.snapshot(packetsIn: 100, bytesIn: 100, packetsOut: 100, bytesOut: 100))
        #expect(
            tracker.step(to: Self.snapshot(packetsIn: 7, bytesIn: 100, packetsOut: 130, bytesOut: 100))
                == TrafficStep(packetsIn: 7, bytesIn: 0, packetsOut: 30, bytesOut: 0))
    }

    #if os(Linux)
    @Test("an event loop's thread is found and its CPU time read from /proc")
    func workerThreadCPU() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let threadID = try await loop.submit { WorkerCPU.currentThreadID() }.get()
        #expect(threadID > 0)
        #expect(threadID != WorkerCPU.currentThreadID())
        let before = try #require(WorkerCPU.threadCPUSeconds(threadID))
        // Burn CPU on that loop until the kernel's tick-granular time moves (bounded).
        let moved = try await loop.submit { () -> Bool in
            var x: UInt64 = 1
            for _ in 0..<2_000 {
                for i in 0..<200_000 { x = x &* 6_364_136_223_846_793_005 &+ UInt64(i) }
                if (WorkerCPU.threadCPUSeconds(threadID) ?? 0) > before { return x != 0 }
            }
            return false
        }.get()
        #expect(moved)
        #expect(WorkerCPU.threadCPUSeconds(-1) == nil)
        try await group.shutdownGracefully()
    }
    #endif
}
