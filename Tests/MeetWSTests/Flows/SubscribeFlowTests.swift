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

    @Test func perNodeTheFirstPublisherOnANodeMakesTheConnectionTheNextOneIsAddedToIt() {
        let onN1 = FlowFixtures.publication("p1", on: "n1", of: self.publisher)
        var first = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: self.publisher, perNode: true), owned: [])
        #expect(
            first.start(publisher: FlowFixtures.record(self.publisher, publication: onN1))
                == .create(
                    CreateSubscriberRequest(
                        participantId: "me", publisherParticipantId: self.publisher.uuidString.lowercased(), perNode: true),
                    nodeId: "n1"))
        let connection = SubscriptionRecord(
            transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: self.publisher, perNode: true)
        #expect(first.replied(CreateSubscriberReply(transportId: "c1", offer: "v=0 o")) == .store([connection]))

        // A second publisher on n1: a re-offer on c1, stored as a second record of c1.
        let second = UUID()
        var next = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: second, perNode: true), owned: [connection])
        #expect(
            next.start(publisher: FlowFixtures.record(second, publication: FlowFixtures.publication("p2", on: "n1", of: second)))
                == .create(
                    CreateSubscriberRequest(
                        participantId: "me", publisherParticipantId: second.uuidString.lowercased(), perNode: true, transportId: "c1"),
                    nodeId: "n1"))
        let track = SFUTrack(id: "p1:0", mid: "0", kind: "audio", source: .mic, codec: "opus", participantId: self.publisher.uuidString.lowercased())
        let added = SubscriptionRecord(
            transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: second, perNode: true)
        #expect(next.replied(CreateSubscriberReply(transportId: "c1", offer: "v=0 re", tracks: [track])) == .store([connection, added]))
        guard case .offer(let offer) = next.stored(true) else { Issue.record("no offer"); return }
        // Each track names its own publisher.
        #expect(offer.perNode == true && offer.tracks.map(\.participantId) == [self.publisher])

        // A publisher on another node than the named connection's is refused.
        var elsewhere = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: second, transportId: "c1", perNode: true), owned: [connection])
        guard case .fail(let error, _) = elsewhere.start(
            publisher: FlowFixtures.record(second, publication: FlowFixtures.publication("p2", on: "n2", of: second)))
        else { Issue.record("a publisher on another node was added"); return }
        #expect(error.code == .badRequest)
    }

    /// `audioSlots` (docs/dev/audio-slots.md): passed to the node clamped
    /// to the deployment's number; out of range, or without `perNode`, refused.
    @Test func audioSlotsAreClampedPassedOnAndBoundsChecked() {
        let record = FlowFixtures.record(self.publisher, publication: FlowFixtures.publication("p1", on: "n1", of: self.publisher))
        func request(_ slots: Int, perNode: Bool = true) -> SubscribeRequest {
            var request = SubscribeRequest(participantId: self.publisher, perNode: perNode ? true : nil)
            request.audioSlots = slots
            return request
        }
        var flow = SubscribeFlow(subscriberId: "me", request: request(5), owned: [], maxAudioSlots: 3)
        #expect(
            flow.start(publisher: record)
                == .create(
                    CreateSubscriberRequest(
                        participantId: "me", publisherParticipantId: self.publisher.uuidString.lowercased(), perNode: true,
                        audioSlots: 3),
                    nodeId: "n1"))
        let reply = CreateSubscriberReply(transportId: "c1", offer: "o", audioSlots: ["0", "1", "2"])
        _ = flow.replied(reply)
        guard case .offer(let offer) = flow.stored(true) else { Issue.record("no offer"); return }
        #expect(offer.audioSlots == ["0", "1", "2"])
        var tooMany = SubscribeFlow(subscriberId: "me", request: request(9), owned: [], maxAudioSlots: 3)
        #expect(tooMany.start(publisher: record) == .fail(SignalingError(.badRequest, "audioSlots must be 0...8, not 9")))
        var notPerNode = SubscribeFlow(subscriberId: "me", request: request(2, perNode: false), owned: [], maxAudioSlots: 3)
        #expect(
            notPerNode.start(publisher: record)
                == .fail(SignalingError(.badRequest, "audioSlots needs perNode: slots belong to a node connection")))
    }

    @Test func perNodeAnICERestartRecordsOnlyAPublisherTheConnectionCarries() {
        let publication = FlowFixtures.publication("p1", on: "n1", of: self.publisher)
        let carried = SubscriptionRecord(
            transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: self.publisher, perNode: true)
        var restart = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: self.publisher, transportId: "c1", iceRestart: true, perNode: true),
            owned: [carried])
        #expect(
            restart.start(publisher: FlowFixtures.record(self.publisher, publication: publication))
                == .renegotiate(RenegotiateSubscriberRequest(transportId: "c1", iceRestart: true), nodeId: "n1"))
        // A publisher on the same node that the connection does not carry is refused, not recorded.
        let other = UUID()
        var stranger = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: other, transportId: "c1", iceRestart: true, perNode: true),
            owned: [carried])
        guard case .fail(let error, _) = stranger.start(publisher: FlowFixtures.record(other, publication: FlowFixtures.publication("p2", on: "n1", of: other)))
        else { Issue.record("an ICE restart recorded a publisher the connection does not carry"); return }
        #expect(error.code == .notFound)
    }

    @Test func perNodeAConnectionTheNodeLostIsForgotten() {
        let connection = SubscriptionRecord(
            transportId: "c1", nodeId: "n1", address: FlowFixtures.address, publisherParticipantId: UUID(), perNode: true)
        var flow = SubscribeFlow(
            subscriberId: "me", request: SubscribeRequest(participantId: self.publisher, perNode: true), owned: [connection])
        _ = flow.start(publisher: FlowFixtures.record(self.publisher, publication: FlowFixtures.publication("p1", on: "n1")))
        let lost = SFUFailure.remote(code: "unknown_transport", message: "gone")
        #expect(flow.failed(lost) == .fail(lost.signalingError, forget: "c1"))
        #expect(SubscribeFlow.removing(connection.publisherParticipantId, on: "c1", from: [connection]) == nil)
    }
}
