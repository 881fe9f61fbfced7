import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``SubscribeFlow`` fed events directly.
@Suite struct SubscribeFlowTests {
    let publisher = UUID()

    @Test func aSubscriptionIsCreatedOnThePublishersNodeAndStored() {
        let publication = FlowFixtures.publication("p1", on: "n1", of: self.publisher)
        let old = FlowFixtures.subscription("s0", on: "n1", to: UUID())
        var flow = SubscribeFlow(subscriberId: "me", request: SubscribeRequest(participantId: self.publisher), owned: [old])
        #expect(
            flow.start(publisher: FlowFixtures.record(self.publisher, publication: publication))
                == .create(CreateSubscriberRequest(participantId: "me", publisherParticipantId: self.publisher.uuidString.lowercased()), nodeId: "n1"))
        let reply = CreateSubscriberReply(transportId: "s1", offer: "v=0 o")
        let created = FlowFixtures.subscription("s1", on: "n1", to: self.publisher)
        #expect(flow.replied(reply) == .store([old, created]))
        #expect(
            flow.stored(true)
                == .offer(
                    SubscriptionOffer(
                        transportId: "s1", publisherParticipantId: self.publisher, nodeId: "n1", address: FlowFixtures.address,
                        offer: "v=0 o", tracks: [])))
    }

    @Test func nothingToSubscribeToIsNotFound() {
        var flow = SubscribeFlow(subscriberId: "me", request: SubscribeRequest(participantId: self.publisher), owned: [])
        #expect(flow.start(publisher: FlowFixtures.record(self.publisher)) == .fail(SignalingError(.notFound, "that participant publishes nothing in this room")))
        var waiting = SubscribeFlow(subscriberId: "me", request: SubscribeRequest(participantId: self.publisher), owned: [])
        let record = FlowFixtures.record(self.publisher, status: .waiting, publication: FlowFixtures.publication("p", on: "n1"))
        guard case .fail = waiting.start(publisher: record) else { Issue.record("a waiting publisher was subscribed to"); return }
    }

    @Test func aRenegotiationNeedsAnOwnedSubscriptionToThatPublisherAndForgetsOneTheNodeLost() {
        let publication = FlowFixtures.publication("p1", on: "n2", of: self.publisher)
        let owned = FlowFixtures.subscription("s1", on: "n1", to: self.publisher)
        var other = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: self.publisher, transportId: "s9"), owned: [owned])
        #expect(
            other.start(publisher: FlowFixtures.record(self.publisher, publication: publication))
                == .fail(SignalingError(.notFound, "no such subscription on this connection")))
        var flow = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: self.publisher, transportId: "s1", iceRestart: true), owned: [owned])
        // On the subscription's own node, not the publication's.
        #expect(
            flow.start(publisher: FlowFixtures.record(self.publisher, publication: publication))
                == .renegotiate(RenegotiateSubscriberRequest(transportId: "s1", iceRestart: true), nodeId: "n1"))
        let lost = SFUFailure.remote(code: "unknown_transport", message: "gone")
        #expect(flow.failed(lost) == .fail(lost.signalingError, forget: "s1"))
    }

    @Test func aSubscriptionNoLongerOursIsClosed() {
        var flow = SubscribeFlow(subscriberId: "me", request: SubscribeRequest(participantId: self.publisher), owned: [])
        _ = flow.start(publisher: FlowFixtures.record(self.publisher, publication: FlowFixtures.publication("p1", on: "n1")))
        _ = flow.replied(CreateSubscriberReply(transportId: "s1", offer: "o"))
        #expect(flow.stored(false) == .abandon(transportId: "s1", nodeId: "n1"))
        #expect(flow.abandoned() == .fail(SignalingError(.notFound, "you are no longer in this room")))
    }

    @Test func theLastSubscriptionRemovedLeavesNone() {
        let one = FlowFixtures.subscription("s1", on: "n1", to: self.publisher)
        #expect(SubscribeFlow.removing("s1", from: [one]) == nil)
        #expect(SubscribeFlow.removing("s2", from: [one]) == [one])
    }
}
