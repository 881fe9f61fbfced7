import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``PublishFlow`` fed events directly: no nodes, no presence, no bus.
@Suite struct PublishFlowTests {
    let participant = UUID()
    let meeting = UUID()

    func flow(_ request: PublishRequest, current: PublicationRecord? = nil, hints: Bool = false) -> PublishFlow {
        PublishFlow(participantId: self.participant, meetingId: self.meeting, request: request, current: current, placementHints: hints)
    }

    @Test func aFirstOfferIsPlacedCreatedStoredAndCommitted() {
        var flow = self.flow(PublishRequest(offer: "v=0", nodeId: "n9"))
        #expect(flow.start { _ in nil } == .place(hint: "n9", preferring: nil, excluding: [], retrying: nil))
        guard case .create(let body, let node) = flow.placed(FlowFixtures.node("n1")) else { Issue.record("no create"); return }
        #expect(node.id == "n1" && body.participantId == self.participant.uuidString.lowercased() && body.offer == "v=0")
        let reply = CreatePublisherReply(
            transportId: "t1", answer: "v=0 a", tracks: [SFUTrack(id: "t1:0", mid: "0", kind: "audio", source: .mic, codec: "opus")])
        guard case .store(let publication) = flow.replied(reply) else { Issue.record("no store"); return }
        #expect(publication.nodeId == "n1" && publication.transportId == "t1" && publication.tracks.map(\.nodeId) == ["n1"])
        #expect(
            flow.stored(true) == .commit(PublishFlow.Commit(publication: publication, answer: "v=0 a", nodeChanged: true, replaced: nil)))
    }

    @Test func aDrainingOrGoneNodeIsRetriedOnceElsewhereWithoutTheHint() {
        var flow = self.flow(PublishRequest(offer: "v=0", nodeId: "n1"))
        _ = flow.start { _ in nil }
        _ = flow.placed(FlowFixtures.node("n1"))
        #expect(
            flow.failed(.remote(code: "draining", message: "x"))
                == .place(hint: nil, preferring: nil, excluding: ["n1"], retrying: "node_draining"))
        _ = flow.placed(FlowFixtures.node("n2"))
        #expect(flow.failed(.noResponder(nodeId: "n2")) == .fail(SFUFailure.noResponder(nodeId: "n2").signalingError))
    }

    @Test func otherNodeErrorsFailAtOnce() {
        var flow = self.flow(PublishRequest(offer: "bad"))
        _ = flow.start { _ in nil }
        _ = flow.placed(FlowFixtures.node("n1"))
        let error = SFUFailure.remote(code: "bad_sdp", message: "no")
        #expect(flow.failed(error) == .fail(error.signalingError))
    }

    @Test func aLaterOfferRenegotiatesAndFallsBackToAFreshPlacementWhenTheTransportIsGone() {
        let current = FlowFixtures.publication("t1", on: "n1", of: self.participant)
        var flow = self.flow(PublishRequest(offer: "v=1"), current: current)
        #expect(
            flow.start { _ in nil }
                == .renegotiate(RenegotiatePublisherRequest(transportId: "t1", offer: "v=1", sources: nil), nodeId: "n1"))
        #expect(flow.failed(.noResponder(nodeId: "n1")) == .place(hint: nil, preferring: nil, excluding: ["n1"], retrying: nil))
    }

    @Test func aRenegotiationKeepsTheNode() {
        let current = FlowFixtures.publication("t1", on: "n1", of: self.participant)
        var flow = self.flow(PublishRequest(offer: "v=1"), current: current)
        _ = flow.start { _ in nil }
        guard case .store(let publication) = flow.replied(CreatePublisherReply(transportId: "t1", answer: "a")) else {
            Issue.record("no store")
            return
        }
        guard case .commit(let commit) = flow.stored(true) else { Issue.record("no commit"); return }
        #expect(publication.address == current.address && !commit.nodeChanged && commit.replaced == nil)
    }

    @Test func replacesGoesToTheMigrationTargetNeverTheNodeLeft() {
        let current = FlowFixtures.publication("t1", on: "n1", of: self.participant)
        var flow = self.flow(PublishRequest(offer: "v=2", nodeId: "n7", replaces: "t1"), current: current)
        #expect(flow.start { $0.transportId == "t1" ? "n2" : nil } == .place(hint: nil, preferring: "n2", excluding: ["n1"], retrying: nil))
        _ = flow.placed(FlowFixtures.node("n2"))
        _ = flow.replied(CreatePublisherReply(transportId: "t2", answer: "a"))
        guard case .commit(let commit) = flow.stored(true) else { Issue.record("no commit"); return }
        #expect(commit.replaced == current && commit.nodeChanged)
        // With hints on, the client's nodeId is preferred over the target.
        var hinted = self.flow(PublishRequest(offer: "v=2", nodeId: "n7", replaces: "t1"), current: current, hints: true)
        #expect(hinted.start { _ in "n2" } == .place(hint: nil, preferring: "n7", excluding: ["n1"], retrying: nil))
    }

    @Test func replacesMustNameTheCurrentTransport() {
        var flow = self.flow(PublishRequest(offer: "v=2", replaces: "other"), current: FlowFixtures.publication("t1", on: "n1"))
        guard case .fail(let error) = flow.start(migrationTarget: { _ in nil }) else { Issue.record("not refused"); return }
        #expect(error.code == .badRequest)
    }

    @Test func aPublicationNoLongerOursIsAbandonedOnItsNode() {
        var flow = self.flow(PublishRequest(offer: "v=0"))
        _ = flow.start { _ in nil }
        _ = flow.placed(FlowFixtures.node("n1"))
        _ = flow.replied(CreatePublisherReply(transportId: "t1", answer: "a"))
        #expect(flow.stored(false) == .abandon(transportId: "t1", nodeId: "n1"))
        #expect(flow.abandoned() == .fail(SignalingError(.notFound, "you are no longer in this room")))
    }

    @Test func hardMuteMarksOnlyTracksThatChange() {
        let publication = FlowFixtures.publication("t1", on: "n1", kinds: [.mic, .camera])
        let muted = HardMute.marking(publication, .mic, muted: true)
        #expect(muted?.tracks.map(\.muted) == [true, false])
        #expect(HardMute.marking(muted, .mic, muted: true) == nil)
        #expect(HardMute.lifted(by: MediaUpdate(mic: true, camera: true), in: muted!) == [.mic])
    }
}
