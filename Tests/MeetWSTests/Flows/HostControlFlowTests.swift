import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``HostControlFlow`` fed presence and PostgreSQL outcomes directly.
@Suite struct HostControlFlowTests {
    let host = UUID()
    let meeting = UUID()

    func flow(_ command: HostControlFlow.Command) -> HostControlFlow {
        HostControlFlow(host: self.host, meetingId: self.meeting, command: command)
    }

    @Test func aKickRemovesAnnouncesAndBansInOneStepThenInstructs() {
        let target = FlowFixtures.record()
        let key = PresenceKey(meetingId: self.meeting, participantId: target.participant.id)
        var flow = self.flow(.kick(TargetCommand(participantId: target.participant.id, reason: "spam")))
        #expect(flow.targetKey == key)
        #expect(flow.start(target: target) == [.remove(key)])
        #expect(flow.removed(target) == [.announceGone(target, .kicked), .instruct(.kick, target, reason: "spam"), .ack])
        // Already gone from presence (a dropped socket past its grace): the kick is still recorded.
        var again = self.flow(.kick(TargetCommand(participantId: target.participant.id)))
        _ = again.start(target: target)
        #expect(again.removed(nil) == [.recordKick(target.participant.id), .instruct(.kick, target), .ack])
    }

    @Test func theOwnerCannotBeKickedNorAnAbsentParticipant() {
        let owner = FlowFixtures.record(role: .owner)
        var flow = self.flow(.kick(TargetCommand(participantId: owner.participant.id)))
        #expect(flow.start(target: owner) == [.fail(SignalingError(.forbidden, "the owner cannot be kicked"))])
        var absent = self.flow(.kick(TargetCommand(participantId: UUID())))
        #expect(absent.start(target: nil) == [.fail(SignalingError(.notFound, "no such participant in this room"))])
    }

    @Test func anAdmissionTakesTheSeatStoresAndTellsTheRoom() {
        let waiting = FlowFixtures.record(status: .waiting)
        var flow = self.flow(.admit(TargetCommand(participantId: waiting.participant.id)))
        #expect(flow.start(target: waiting) == [.takeSeat(waiting.participant.id)])
        var joined = waiting
        joined.status = .joined
        #expect(flow.seatTaken(.joined(.attendee)) == [.store(joined)])
        let id = waiting.participant.id
        #expect(
            flow.stored(true) == [
                .instruct(.admit, joined), .ack,
                .tellRoom(.participantJoined(ParticipantEvent(participant: joined.participant)), .participants, exclude: id),
                .tellRoom(.admissionResolved(AdmissionResolved(participantId: id, outcome: .admitted, by: self.host)), .hosts),
            ])
        var full = self.flow(.admit(TargetCommand(participantId: id)))
        _ = full.start(target: waiting)
        #expect(full.seatTaken(.full) == [.fail(SignalingError(.meetingFull, "the meeting is at its capacity"))])
    }

    @Test func onlyWaitingParticipantsAreAdmittedOrDenied() {
        let joined = FlowFixtures.record()
        var admit = self.flow(.admit(TargetCommand(participantId: joined.participant.id)))
        #expect(admit.start(target: joined) == [.fail(SignalingError(.notFound, "nobody with that id is waiting"))])
        let waiting = FlowFixtures.record(status: .waiting)
        var deny = self.flow(.deny(TargetCommand(participantId: waiting.participant.id, reason: "no")))
        _ = deny.start(target: waiting)
        #expect(
            deny.removed(waiting) == [
                .markLeft(waiting.participant.id), .instruct(.deny, waiting, reason: "no"), .ack,
                .tellRoom(.admissionResolved(AdmissionResolved(participantId: waiting.participant.id, outcome: .denied, by: self.host)), .hosts),
            ])
    }

    @Test func aMuteIsEnforcedOnTheNodeOnlyForAPublishedKind() {
        let id = UUID()
        let publishing = FlowFixtures.record(id, publication: FlowFixtures.publication("t1", on: "n1", of: id, kinds: [.mic]))
        var flow = self.flow(.mute(MuteCommand(participantId: id, kind: .mic)))
        #expect(
            flow.start(target: publishing) == [
                .enforceMute(SetMuteRequest(participantId: id.uuidString.lowercased(), source: .mic, muted: true), nodeId: "n1"),
                .instruct(.mute, publishing, kind: .mic), .ack,
            ])
        var camera = self.flow(.mute(MuteCommand(participantId: id, kind: .camera)))
        #expect(camera.start(target: publishing) == [.instruct(.mute, publishing, kind: .camera), .ack])
    }

    @Test func endingTheMeetingClosesOnlyParticipantsWithTransports() {
        var flow = self.flow(.endMeeting)
        #expect(flow.targetKey == nil && flow.start(target: nil) == [.endMeeting])
        let media = FlowFixtures.record(publication: FlowFixtures.publication("t1", on: "n1"))
        let plain = FlowFixtures.record()
        #expect(
            flow.ended([media, plain]) == [.ack, .tellRoom(.meetingEnded(Removal(by: self.host)), .everyone), .closeParticipants([media])])
    }
}
