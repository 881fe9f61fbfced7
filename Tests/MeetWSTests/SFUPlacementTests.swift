import MeetProtocol
import MeetWS
import Testing

/// Placement as a pure function over registry records and a clock.
@Suite struct SFUPlacementTests {
    let now: Int64 = 1_000_000

    func node(
        _ id: String, state: SFUNodeState = .serving, transports: Int = 0, bitsOut: Double = 0, cpu: Double? = nil,
        age: Int64 = 0, region: String = "r"
    ) -> SFUNodeRecord {
        SFUNodeRecord(
            id: id, publicIP: "10.0.0.1", udpPort: 10000, region: region, state: state,
            load: SFUNodeLoad(transports: transports, bitsOutPerSecond: bitsOut, cpu: cpu), updatedAtMs: self.now - age)
    }

    let placement = SFUPlacement(staleAfterMs: 3000, hintsEnabled: false)

    @Test func leastLoadedWins() throws {
        let records = [self.node("a", transports: 5), self.node("b", transports: 2), self.node("c", transports: 9)]
        #expect(try self.placement.choose(from: records, nowMs: self.now).id == "b")
        // Bandwidth and CPU count too: 2 transports sending 8 Mbit/s lose to 5 idle ones.
        let busy = [self.node("a", transports: 5), self.node("b", transports: 2, bitsOut: 8_000_000)]
        #expect(try self.placement.choose(from: busy, nowMs: self.now).id == "a")
        let hot = [self.node("a", transports: 5), self.node("b", transports: 2, cpu: 0.9)]
        #expect(try self.placement.choose(from: hot, nowMs: self.now).id == "a")
    }

    @Test func tiesGoToTheSmallestIdAndPendingPlacementsCount() throws {
        let records = [self.node("b"), self.node("a")]
        #expect(try self.placement.choose(from: records, nowMs: self.now).id == "a")
        #expect(try self.placement.choose(from: records, nowMs: self.now, pending: ["a": 1]).id == "b")
    }

    @Test func staleAndDrainingNodesAreIgnored() throws {
        let records = [
            self.node("stale", age: 3001), self.node("draining", state: .draining),
            self.node("fresh", transports: 50, age: 3000),
        ]
        #expect(try self.placement.choose(from: records, nowMs: self.now).id == "fresh")
        #expect(!self.placement.isCandidate(self.node("future-proof", age: 3001), nowMs: self.now))
    }

    /// Multi-region (issue #19): the region's least loaded candidate wins
    /// over emptier nodes elsewhere; a region with no candidate left (none
    /// there, stale, draining, excluding) falls back to every region.
    @Test func theParticipantsRegionWinsWhileItHasACandidate() throws {
        let records = [
            self.node("eu-1", transports: 40, region: "eu"), self.node("eu-2", transports: 30, region: "eu"),
            self.node("us-1", transports: 1, region: "us"), self.node("us-2", transports: 0, age: 5000, region: "us"),
        ]
        #expect(try self.placement.choose(from: records, nowMs: self.now, region: "eu").id == "eu-2")
        #expect(try self.placement.choose(from: records, nowMs: self.now, region: "us").id == "us-1")
        #expect(try self.placement.choose(from: records, nowMs: self.now).id == "us-1")
        // No node in the region, or none left there: the least loaded anywhere.
        #expect(try self.placement.choose(from: records, nowMs: self.now, region: "ap").id == "us-1")
        #expect(try self.placement.choose(from: records, nowMs: self.now, excluding: ["us-1"], region: "us").id == "eu-2")
        // A migration's chosen target and an enabled hint still come first.
        #expect(try self.placement.choose(from: records, nowMs: self.now, preferred: "eu-1", region: "us").id == "eu-1")
        let hinted = SFUPlacement(staleAfterMs: 3000, hintsEnabled: true)
        #expect(try hinted.choose(from: records, nowMs: self.now, hint: "eu-1", region: "us").id == "eu-1")
    }

    @Test func regionLabelsAreValidatedAndResolvedInOrder() {
        #expect(PlacementRegion.isValid("eu-west-1") && PlacementRegion.isValid("us_east.2") && PlacementRegion.isValid("local"))
        #expect(!PlacementRegion.isValid("") && !PlacementRegion.isValid("eu west") && !PlacementRegion.isValid("é"))
        #expect(!PlacementRegion.isValid(String(repeating: "a", count: 65)) && PlacementRegion.isValid(String(repeating: "a", count: 64)))
        #expect(PlacementRegion.fromHeader(" eu ") == "eu")
        #expect(PlacementRegion.fromHeader("eu;drop") == nil && PlacementRegion.fromHeader(nil) == nil)
        #expect(PlacementRegion.resolve(requested: "ap", upgrade: "eu", replica: "us") == "ap")
        #expect(PlacementRegion.resolve(requested: nil, upgrade: "eu", replica: "us") == "eu")
        #expect(PlacementRegion.resolve(requested: nil, upgrade: nil, replica: "us") == "us")
        #expect(PlacementRegion.resolve(requested: nil, upgrade: nil, replica: nil) == nil)
    }

    @Test func noCandidateIsAnError() {
        let records = [self.node("stale", age: 10_000), self.node("draining", state: .draining)]
        #expect(throws: SFUPlacement.Failure.noServingNode) { try self.placement.choose(from: records, nowMs: self.now) }
        #expect(throws: SFUPlacement.Failure.noServingNode) { try self.placement.choose(from: [], nowMs: self.now) }
        #expect(throws: SFUPlacement.Failure.noServingNode) {
            try self.placement.choose(from: [self.node("a")], nowMs: self.now, excluding: ["a"])
        }
    }

    @Test func hintHonouredOnlyWhenEnabled() throws {
        let records = [self.node("a"), self.node("b", transports: 10), self.node("c", state: .draining)]
        #expect(try self.placement.choose(from: records, nowMs: self.now, hint: "b").id == "a")
        #expect(try self.placement.choose(from: records, nowMs: self.now, hint: "nope").id == "a")
        let hinted = SFUPlacement(staleAfterMs: 3000, hintsEnabled: true)
        #expect(try hinted.choose(from: records, nowMs: self.now, hint: "b").id == "b")
        #expect(try hinted.choose(from: records, nowMs: self.now).id == "a")
        #expect(throws: SFUPlacement.Failure.hintNotServing("c")) { try hinted.choose(from: records, nowMs: self.now, hint: "c") }
        #expect(throws: SFUPlacement.Failure.hintNotServing("zz")) { try hinted.choose(from: records, nowMs: self.now, hint: "zz") }
    }

    /// Scale-out (issue #22): a node the HPA just added, whose first record
    /// shows no load and no CPU figure yet, takes the next publishers at once,
    /// and keeps taking them (this replica's pending placements counted) until
    /// it is as loaded as the others; then they share.
    @Test func aFreshlyStartedNodeTakesNewPublishersUntilItCatchesUp() throws {
        let busy = (1...3).map { self.node("busy-\($0)", transports: 6, bitsOut: 2_000_000, cpu: 0.3) }
        let fresh = self.node("zz-new")
        var pending: [String: Int] = [:]
        var chosen: [String] = []
        for _ in 0..<12 {
            let node = try self.placement.choose(from: busy + [fresh], nowMs: self.now, pending: pending)
            chosen.append(node.id)
            pending[node.id, default: 0] += 1
        }
        // 6 + 2 Mbit/s + 10 × 0.3 = 11 per busy node: the new one takes the first 11.
        #expect(chosen.prefix(11).allSatisfy { $0 == "zz-new" })
        #expect(chosen[11] != "zz-new")
    }

    /// A node near its limit (its forwarding cores busy) gets no new
    /// publisher while another has room, even with fewer transports: the
    /// CPU term outweighs them, so scale-out relieves the hot node instead of
    /// loading it further.
    @Test func aNodeNearItsLimitIsPassedOverWhileAnotherHasRoom() throws {
        let hot = self.node("a-hot", transports: 10, bitsOut: 20_000_000, cpu: 1.9)
        let roomy = self.node("b-roomy", transports: 25, bitsOut: 5_000_000, cpu: 0.4)
        let fresh = self.node("c-fresh")
        #expect(try self.placement.choose(from: [hot, roomy], nowMs: self.now).id == "b-roomy")
        #expect(try self.placement.choose(from: [hot, roomy, fresh], nowMs: self.now).id == "c-fresh")
        #expect(SFUPlacement.score(hot) > SFUPlacement.score(roomy))
    }
}
