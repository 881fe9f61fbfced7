import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``MigrationFlow`` fed node notices and `tracks` events directly.
@Suite struct MigrationStepTests {
    let publication = FlowFixtures.publication("t1", on: "n1")

    @Test func aPublicationOnALeavingNodeIsToldOnce() {
        var flow = MigrationFlow()
        #expect(flow.nodesLeaving(["n2": .nodeDraining], nowMs: 0, publication: self.publication) == .none)
        #expect(
            flow.nodesLeaving(["n1": .nodeDraining, "n3": .nodeLost], nowMs: 0, publication: self.publication)
                == .place(excluding: ["n1", "n3"], reason: .nodeDraining))
        let instruction = flow.placed("n2", for: self.publication, reason: .nodeDraining, nowMs: 0)
        #expect(instruction == MigrateInstruction(reason: .nodeDraining, nodeId: "n1", transportId: "t1", targetNodeId: "n2"))
        #expect(flow.target(for: self.publication) == "n2")
        // The next rounds say nothing more; a draining node is never given up on.
        #expect(flow.nodesLeaving(["n1": .nodeDraining], nowMs: 60_000, publication: self.publication) == .none)
    }

    @Test func noTargetIsReportedOnceAndWaits() {
        var flow = MigrationFlow()
        let first = flow.placementFailed(for: self.publication)
        let second = flow.placementFailed(for: self.publication)
        #expect(first && !second)
        #expect(flow.nodesLeaving(["n1": .nodeLost], nowMs: 0, publication: self.publication) == .place(excluding: ["n1"], reason: .nodeLost))
    }

    @Test func aPublicationLeftOnALostNodeIsDroppedAfterTheGrace() {
        var flow = MigrationFlow()
        _ = flow.placed("n2", for: self.publication, reason: .nodeLost, nowMs: 1_000)
        #expect(flow.nodesLeaving(["n1": .nodeLost], nowMs: 1_000 + MigrationFlow.lostPublicationGraceMs, publication: self.publication) == .none)
        #expect(
            flow.nodesLeaving(["n1": .nodeLost], nowMs: 1_001 + MigrationFlow.lostPublicationGraceMs, publication: self.publication)
                == .dropPublication(self.publication))
        #expect(flow.pending == nil)
    }

    @Test func theReplacedTransportIsRetiredDetachedOnlyFromALostNode() {
        var flow = MigrationFlow()
        _ = flow.placed("n2", for: self.publication, reason: .nodeLost, nowMs: 0)
        let retirement = flow.replaced(self.publication)
        #expect(retirement == MigrationFlow.Retirement(transportId: "t1", nodeId: "n1", reason: .nodeLost) && retirement.detached)
        #expect(flow.pending == nil)
        // A move the client made on its own: no reason, waited for.
        let own = flow.replaced(self.publication)
        #expect(own.reason == nil && !own.detached)
    }

    @Test func subscriptionsFollowTheirPublisherOnce() {
        var flow = MigrationFlow()
        let publisher = UUID()
        let subscriptions = [
            FlowFixtures.subscription("s1", on: "n1", to: publisher), FlowFixtures.subscription("s2", on: "n2", to: publisher),
            FlowFixtures.subscription("s3", on: "n1", to: UUID()),
        ]
        let event = TracksEvent(participantId: publisher, nodeId: "n2", tracks: [])
        #expect(
            flow.tracksMoved(event, subscriptions: subscriptions) == [
                MigrateInstruction(reason: .publisherMoved, nodeId: "n1", transportId: "s1", publisherParticipantId: publisher, targetNodeId: "n2")
            ])
        #expect(flow.tracksMoved(event, subscriptions: subscriptions).isEmpty)
        #expect(flow.tracksMoved(TracksEvent(participantId: publisher, nodeId: nil, tracks: []), subscriptions: subscriptions).isEmpty)
        flow.forget(subscription: "s1")
        #expect(flow.tracksMoved(event, subscriptions: subscriptions).count == 1)
    }

    @Test func eachPublisherOfAPerNodeConnectionMovesOnItsOwn() {
        var flow = MigrationFlow()
        let (a, b) = (UUID(), UUID())
        let connection = [
            SubscriptionRecord(transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: a, perNode: true),
            SubscriptionRecord(transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: b, perNode: true),
        ]
        #expect(flow.tracksMoved(TracksEvent(participantId: a, nodeId: "n2", tracks: []), subscriptions: connection).count == 1)
        #expect(
            flow.tracksMoved(TracksEvent(participantId: b, nodeId: "n2", tracks: []), subscriptions: connection) == [
                MigrateInstruction(reason: .publisherMoved, nodeId: "n1", transportId: "c1", publisherParticipantId: b, targetNodeId: "n2")
            ])
        #expect(flow.tracksMoved(TracksEvent(participantId: a, nodeId: "n2", tracks: []), subscriptions: connection).isEmpty)
        flow.forget(subscription: "c1", publisher: a)
        #expect(flow.tracksMoved(TracksEvent(participantId: a, nodeId: "n3", tracks: []), subscriptions: connection).count == 1)
        #expect(flow.tracksMoved(TracksEvent(participantId: b, nodeId: "n3", tracks: []), subscriptions: connection).isEmpty)
        flow.forget(subscription: "c1")
        #expect(flow.tracksMoved(TracksEvent(participantId: b, nodeId: "n3", tracks: []), subscriptions: connection).count == 1)
    }
}
