import MeetProtocol
import Testing
@testable import MeetWS

/// ``NodeWatch``'s rules on a manual clock: draining and lost, once each;
/// a failed read (or an outage) never reads as "every node lost".
@Suite struct NodeWatchTests {
    func record(_ id: String, _ state: SFUNodeState = .serving, at ms: Int64) -> SFUNodeRecord {
        SFUNodeRecord(id: id, publicIP: "127.0.0.1", udpPort: 10000, region: "test", state: state, load: SFUNodeLoad(transports: 0), updatedAtMs: ms)
    }

    @Test func drainingRecordOrEventIsAnnouncedOnce() {
        var watch = NodeWatch(staleAfterMs: 1500)
        #expect(watch.observe([self.record("a", at: 0), self.record("b", at: 0)], nowMs: 0).isEmpty)
        #expect(watch.observe([self.record("a", .draining, at: 250), self.record("b", at: 250)], nowMs: 250)
            == [NodeWatch.Departure(nodeId: "a", reason: .nodeDraining)])
        #expect(watch.observe([self.record("a", .draining, at: 500), self.record("b", at: 500)], nowMs: 500).isEmpty)
        #expect(watch.draining("a", nowMs: 600) == nil)
        #expect(watch.draining("b", nowMs: 600) == NodeWatch.Departure(nodeId: "b", reason: .nodeDraining))
        // b's record still says `serving` until its next heartbeat: the event is not undone.
        #expect(watch.observe([self.record("a", .draining, at: 700), self.record("b", at: 700)], nowMs: 700).isEmpty)
        #expect(watch.departed == ["a": .nodeDraining, "b": .nodeDraining])
        // A drained node that goes away is not "lost", and is not announced again.
        #expect(watch.observe([], nowMs: 5000).isEmpty)
        #expect(watch.isUnreachable("a") && watch.departed["a"] == .nodeDraining)
    }

    @Test func missingOrStaleRecordIsLostAfterTheThreshold() {
        var watch = NodeWatch(staleAfterMs: 1500)
        _ = watch.observe([self.record("a", at: 0), self.record("b", at: 0), self.record("c", at: 0)], nowMs: 0)
        _ = watch.observe([self.record("a", at: 1000), self.record("b", at: 1000), self.record("c", at: 1000)], nowMs: 1000)
        // c's record disappears; b stops heartbeating (its record ages); a lives on.
        #expect(watch.observe([self.record("a", at: 2000), self.record("b", at: 1000)], nowMs: 2000).isEmpty)
        #expect(watch.isUnreachable("c") && !watch.isUnreachable("b") && !watch.isUnreachable("a"))
        // c and b last wrote at 1000: both lost once that is more than 1500 ms ago
        // (the node's own write time counts, so a crash is noticed one threshold after it).
        #expect(watch.observe([self.record("a", at: 2500), self.record("b", at: 1000)], nowMs: 2500).isEmpty)
        #expect(watch.observe([self.record("a", at: 2600), self.record("b", at: 1000)], nowMs: 2600)
            == [NodeWatch.Departure(nodeId: "b", reason: .nodeLost), NodeWatch.Departure(nodeId: "c", reason: .nodeLost)])
        #expect(watch.observe([self.record("a", at: 4200), self.record("b", at: 1000)], nowMs: 4200).isEmpty)
        #expect(watch.departed == ["b": .nodeLost, "c": .nodeLost] && watch.isUnreachable("b"))
        // b comes back (restarted with the same id): a node like any other again.
        #expect(watch.observe([self.record("a", at: 4100), self.record("b", at: 4100)], nowMs: 4300).isEmpty)
        #expect(!watch.isUnreachable("b") && watch.departed["b"] == .nodeLost)
        #expect(watch.observe([self.record("a", at: 5700), self.record("b", at: 5700)], nowMs: 5700).isEmpty)
        #expect(watch.departed == ["c": .nodeLost] && !watch.isUnreachable("b"))
    }

    @Test func failedReadsAndOutagesDeclareNothingLost() {
        var watch = NodeWatch(staleAfterMs: 1500)
        _ = watch.observe([self.record("a", at: 0), self.record("b", at: 0)], nowMs: 0)
        // Redis is down for 10 s: every round fails.
        for _ in 0..<40 { watch.readFailed() }
        // It comes back empty (restarted without persistence), or with old records: nobody is lost yet.
        #expect(watch.observe([self.record("b", at: 0)], nowMs: 10_000).isEmpty)
        #expect(watch.departed.isEmpty)
        // The nodes re-register within their heartbeat: still nobody lost.
        #expect(watch.observe([self.record("a", at: 10_400), self.record("b", at: 10_400)], nowMs: 10_500).isEmpty)
        // A node that really died during the outage is lost once the threshold passes after it.
        for _ in 0..<4 { watch.readFailed() }
        #expect(watch.observe([self.record("b", at: 12_000)], nowMs: 12_000).isEmpty)
        #expect(watch.observe([self.record("b", at: 13_500)], nowMs: 13_500).isEmpty)
        #expect(watch.observe([self.record("b", at: 13_600)], nowMs: 13_600) == [NodeWatch.Departure(nodeId: "a", reason: .nodeLost)])
    }

    /// Issue #23, finding 3: a Redis restarted empty lists no node until
    /// each re-announces itself; placement gets the last-known records,
    /// dated to the recovery, for one staleness threshold after it.
    @Test func lastKnownNodesStandInWhileTheRegistryRefills() {
        var watch = NodeWatch(staleAfterMs: 1500)
        _ = watch.observe([self.record("a", at: 0), self.record("b", at: 0), self.record("c", .draining, at: 0)], nowMs: 0)
        // No outage yet: nothing stands in for a node that simply vanished.
        #expect(watch.standIns(missingFrom: [], nowMs: 100).isEmpty)
        for _ in 0..<40 { watch.readFailed() }
        // Back empty: a and b (serving before) stand in, c (draining) does not.
        _ = watch.observe([], nowMs: 10_000)
        let standIns = watch.standIns(missingFrom: [], nowMs: 10_100)
        #expect(standIns.map(\.id) == ["a", "b"] && standIns.allSatisfy { $0.updatedAtMs == 10_000 })
        // b re-registered: only a stands in; and only until the threshold after the recovery.
        _ = watch.observe([self.record("b", at: 10_200)], nowMs: 10_250)
        #expect(watch.standIns(missingFrom: [self.record("b", at: 10_200)], nowMs: 10_300).map(\.id) == ["a"])
        #expect(watch.standIns(missingFrom: [self.record("b", at: 11_600)], nowMs: 11_600).isEmpty)
    }

    @Test func nodesNeverSeenFreshAreNotLostAndOldDeparturesAreForgotten() {
        var watch = NodeWatch(staleAfterMs: 1500, retainMs: 10_000)
        // A stale record at startup: never seen fresh by this replica, never "lost".
        #expect(watch.observe([self.record("old", at: 0)], nowMs: 60_000).isEmpty)
        #expect(watch.observe([], nowMs: 70_000).isEmpty)
        _ = watch.observe([self.record("a", at: 70_000)], nowMs: 70_000)
        #expect(watch.observe([], nowMs: 72_000) == [NodeWatch.Departure(nodeId: "a", reason: .nodeLost)])
        #expect(watch.observe([], nowMs: 79_000).isEmpty && watch.departed == ["a": .nodeLost])
        #expect(watch.observe([], nowMs: 80_001).isEmpty && watch.departed.isEmpty)
    }

    /// Issue #23: a node starved of CPU writes its heartbeat late (or its
    /// heartbeat fails through its own Redis breaker), but it is alive and
    /// still listens on its inbox: it is not declared lost at the staleness
    /// threshold (its publishers would all be migrated for nothing), only
    /// after the longer limit. A crashed node stops listening with its
    /// connections, and is lost at the threshold as before.
    @Test func aStaleNodeThatStillListensIsLostOnlyAfterTheLongerLimit() {
        var watch = NodeWatch(staleAfterMs: 1500)
        #expect(watch.silentLostAfterMs == 6000)
        _ = watch.observe([self.record("live", at: 0), self.record("dead", at: 0)], nowMs: 0)
        let stale = [self.record("live", at: 0), self.record("dead", at: 0)]
        #expect(watch.lossCandidates(stale, nowMs: 1500).isEmpty)
        #expect(watch.lossCandidates(stale, nowMs: 1600) == ["dead", "live"])
        // Only "live" still has its inbox subscribed: only "dead" is lost.
        #expect(watch.observe(stale, listening: ["live"], nowMs: 1600) == [NodeWatch.Departure(nodeId: "dead", reason: .nodeLost)])
        #expect(watch.observe(stale, listening: ["live"], nowMs: 6000).isEmpty)
        #expect(watch.departed == ["dead": .nodeLost])
        // Its late heartbeat lands: nothing was declared, nothing to undo.
        #expect(watch.observe([self.record("live", at: 5900)], listening: [], nowMs: 6100).isEmpty)
        // Silent (but listening) for longer than the limit: a machine gone without a FIN.
        #expect(watch.observe([], listening: ["live"], nowMs: 11_900).isEmpty)
        #expect(watch.observe([], listening: ["live"], nowMs: 12_000) == [NodeWatch.Departure(nodeId: "live", reason: .nodeLost)])
    }
}
