import Foundation
import MeetProtocol
import MeetWS
import Testing

/// A recorder's hidden seat (docs/dev/recording.md, "The recorder as a
/// hidden subscriber"): it only subscribes, even with a host's role in its token.
@Suite struct RecorderSeatTests {
    let start = ContinuousClock.now

    func recorder(role: MemberRole = .attendee) -> MachineDriver {
        let identity = SessionIdentity(
            meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: role, displayName: "Recorder", userId: nil,
            recordingId: UUID())
        let driver = MachineDriver(SessionMachine(identity: identity, ratePerSecond: 100, burst: 100, now: self.start))
        _ = driver.receive(self.frame(.join), now: self.start)
        driver.joined(waiting: false)
        return driver
    }

    func frame(_ message: ClientMessage) -> [UInt8] {
        Array(SignalingCodec.encode(ClientEnvelope(id: "r", message)).utf8)
    }

    func errorCode(_ decision: SessionMachine.Decision) -> SignalingErrorCode? {
        if case .reply(let envelope) = decision, case .error(let error) = envelope.message { return error.code }
        return nil
    }

    @Test func itMaySubscribeAndNothingThatWouldShowIt() {
        let machine = self.recorder(role: .host)
        #expect(machine.identity.isRecorder)
        #expect(!machine.identity.isHost)
        let subscribe = ClientMessage.subscribe(SubscribeRequest(participantId: UUID()))
        #expect(machine.receive(self.frame(subscribe), now: self.start) == .execute(ClientEnvelope(id: "r", subscribe)))
        let refused: [ClientMessage] = [
            .publish(PublishRequest(offer: "v=0")), .chat(ChatSend(body: "hi")), .hand(HandUpdate(raised: true)),
            .media(MediaUpdate(mic: true, camera: true, screen: false)), .endMeeting, .kick(TargetCommand(participantId: UUID())),
        ]
        for message in refused {
            #expect(self.errorCode(machine.receive(self.frame(message), now: self.start)) == .forbidden, "\(message.type)")
        }
    }

    @Test func aPersonIsNoRecorder() {
        let identity = SessionIdentity(
            meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: .host, displayName: "H", userId: UUID())
        #expect(!identity.isRecorder && identity.isHost)
    }

    @Test func recordStartAndStopAreForHosts() {
        for (role, allowed) in [(MemberRole.attendee, false), (.host, true), (.owner, true)] {
            let identity = SessionIdentity(
                meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: role, displayName: "P", userId: UUID())
            let machine = MachineDriver(SessionMachine(identity: identity, ratePerSecond: 100, burst: 100, now: self.start))
            _ = machine.receive(self.frame(.join), now: self.start)
            machine.joined(waiting: false)
            for message in [ClientMessage.recordStart, .recordStop] {
                let decision = machine.receive(self.frame(message), now: self.start)
                #expect(allowed ? decision == .execute(ClientEnvelope(id: "r", message)) : self.errorCode(decision) == .forbidden)
            }
        }
    }
}
