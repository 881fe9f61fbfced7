import Foundation
import MeetProtocol
import MeetWS
import Testing

/// The per-socket rules, driven with a fake clock (no sockets, no sleeps).
@Suite struct SessionMachineTests {
    let start = ContinuousClock.now

    func identity(_ role: MemberRole) -> SessionIdentity {
        SessionIdentity(meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: role,
                        displayName: "Tester", userId: UUID())
    }

    func machine(_ role: MemberRole = .attendee, rate: Int = 100, burst: Int = 100) -> MachineDriver {
        MachineDriver(SessionMachine(identity: self.identity(role), ratePerSecond: rate, burst: burst, now: self.start))
    }

    func frame(_ message: ClientMessage, id: String? = "r") -> [UInt8] {
        Array(SignalingCodec.encode(ClientEnvelope(id: id, message)).utf8)
    }

    func errorCode(_ decision: SessionMachine.Decision) -> SignalingErrorCode? {
        if case .reply(let envelope) = decision, case .error(let error) = envelope.message { return error.code }
        return nil
    }

    @Test func joinFirstThenRoomMessages() {
        let machine = self.machine()
        #expect(self.errorCode(machine.receive(self.frame(.chat(ChatSend(body: "hi"))), now: self.start)) == .notJoined)
        #expect(machine.receive(self.frame(.join), now: self.start) == .execute(ClientEnvelope(id: "r", .join)))
        #expect(machine.state == .joining)
        #expect(self.errorCode(machine.receive(self.frame(.join), now: self.start)) == .alreadyJoined)
        machine.joined(waiting: false)
        #expect(machine.state == .joined)
        let chat = ClientMessage.chat(ChatSend(body: "hi"))
        #expect(machine.receive(self.frame(chat), now: self.start) == .execute(ClientEnvelope(id: "r", chat)))
    }

    @Test func failedJoinMayBeRetried() {
        let machine = self.machine()
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joinFailed()
        #expect(machine.state == .connected)
        #expect(machine.receive(self.frame(.join), now: self.start) == .execute(ClientEnvelope(id: "r", .join)))
    }

    @Test func pingIsAnsweredInEveryStateAndEchoesTheId() {
        let machine = self.machine()
        let expected = SessionMachine.Decision.reply(ServerEnvelope(id: "p", .pong(PingData(nonce: "n"))))
        #expect(machine.receive(self.frame(.ping(PingData(nonce: "n")), id: "p"), now: self.start) == expected)
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: true)
        #expect(machine.receive(self.frame(.ping(PingData(nonce: "n")), id: "p"), now: self.start) == expected)
    }

    @Test func waitingRoomAllowsOnlyPingAndLeave() {
        let machine = self.machine()
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: true)
        #expect(machine.state == .waiting)
        #expect(self.errorCode(machine.receive(self.frame(.chat(ChatSend(body: "let me in"))), now: self.start)) == .waiting)
        #expect(self.errorCode(machine.receive(self.frame(.media(MediaUpdate(mic: true))), now: self.start)) == .waiting)
        #expect(machine.receive(self.frame(.leave), now: self.start) == .execute(ClientEnvelope(id: "r", .leave)))
        // Only room-wide announcements reach a waiting socket.
        #expect(machine.accepts(audience: .everyone, exclude: nil))
        #expect(!machine.accepts(audience: .participants, exclude: nil))
        #expect(!machine.accepts(audience: .hosts, exclude: nil))
        #expect(machine.admitted())
        #expect(machine.state == .joined)
        #expect(machine.accepts(audience: .participants, exclude: nil))
        #expect(!machine.admitted())
    }

    @Test func hostControlsAreForHostsOnly() {
        let target = UUID()
        let commands: [ClientMessage] = [
            .mute(MuteCommand(participantId: target)), .kick(TargetCommand(participantId: target)),
            .admit(TargetCommand(participantId: target)), .deny(TargetCommand(participantId: target)), .endMeeting,
        ]
        for role in MemberRole.allCases {
            let machine = self.machine(role)
            _ = machine.receive(self.frame(.join), now: self.start)
            machine.joined(waiting: false)
            for command in commands {
                let decision = machine.receive(self.frame(command), now: self.start)
                let allowed = role != .attendee
                if allowed {
                    #expect(decision == .execute(ClientEnvelope(id: "r", command)), "\(role) \(command.type)")
                } else {
                    #expect(self.errorCode(decision) == .forbidden, "\(role) \(command.type)")
                }
            }
        }
    }

    @Test func hostAudienceAndSelfExclusion() {
        let host = self.machine(.host)
        let attendee = self.machine(.attendee)
        for index in [0, 1] {
            if index == 0 {
                _ = host.receive(self.frame(.join), now: self.start)
                host.joined(waiting: false)
            } else {
                _ = attendee.receive(self.frame(.join), now: self.start)
                attendee.joined(waiting: false)
            }
        }
        #expect(host.accepts(audience: .hosts, exclude: nil))
        #expect(!attendee.accepts(audience: .hosts, exclude: nil))
        #expect(!host.accepts(audience: .participants, exclude: host.identity.participantId))
        #expect(host.accepts(audience: .participants, exclude: attendee.identity.participantId))
    }

    @Test func mediaMessagesNeedJoinedAndSaneFields() {
        let machine = self.machine()
        let publish = ClientMessage.publish(PublishRequest(offer: "v=0"))
        #expect(self.errorCode(machine.receive(self.frame(publish), now: self.start)) == .notJoined)
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: true)
        #expect(self.errorCode(machine.receive(self.frame(publish), now: self.start)) == .waiting)
        #expect(machine.admitted())
        // Any role may publish and subscribe.
        #expect(machine.receive(self.frame(publish), now: self.start) == .execute(ClientEnvelope(id: "r", publish)))
        let other = UUID()
        let subscribe = ClientMessage.subscribe(SubscribeRequest(participantId: other))
        #expect(machine.receive(self.frame(subscribe), now: self.start) == .execute(ClientEnvelope(id: "r", subscribe)))
        #expect(machine.receive(self.frame(.unpublish), now: self.start) == .execute(ClientEnvelope(id: "r", .unpublish)))
        let bad: [ClientMessage] = [
            .publish(PublishRequest(offer: "")),
            .publish(PublishRequest(offer: String(repeating: "a", count: PublishRequest.maxSDPBytes + 1))),
            .publish(PublishRequest(offer: "v=0", nodeId: "")),
            .publish(PublishRequest(offer: "v=0", sources: ["": .mic])),
            .subscribe(SubscribeRequest(participantId: machine.identity.participantId)),
            .subscribe(SubscribeRequest(participantId: other, transportId: "")),
            .subscribeAnswer(SubscribeAnswer(transportId: "t", answer: "")),
            .subscribeAnswer(SubscribeAnswer(transportId: String(repeating: "t", count: 201), answer: "v=0")),
            .unsubscribe(UnsubscribeRequest(transportId: "")),
        ]
        for message in bad {
            #expect(self.errorCode(machine.receive(self.frame(message), now: self.start)) == .invalidData, "\(message)")
        }
    }

    @Test func badChatAndSelfTargetsAreInvalid() {
        let machine = self.machine(.owner)
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: false)
        #expect(self.errorCode(machine.receive(self.frame(.chat(ChatSend(body: "  \n "))), now: self.start)) == .invalidData)
        let long = String(repeating: "x", count: ChatSend.maxLength + 1)
        #expect(self.errorCode(machine.receive(self.frame(.chat(ChatSend(body: long))), now: self.start)) == .invalidData)
        let me = machine.identity.participantId
        #expect(self.errorCode(machine.receive(self.frame(.kick(TargetCommand(participantId: me))), now: self.start)) == .invalidData)
        #expect(self.errorCode(machine.receive(self.frame(.mute(MuteCommand(participantId: me))), now: self.start)) == .invalidData)
    }

    @Test func malformedAndUnknownKeepTheSessionOpen() {
        let machine = self.machine()
        #expect(self.errorCode(machine.receive(Array("{nope".utf8), now: self.start)) == .malformedJSON)
        #expect(self.errorCode(machine.receive(Array(#"{"type":"teleport","id":"t"}"#.utf8), now: self.start)) == .unknownType)
        #expect(self.errorCode(machine.receive(self.frame(.publish(PublishRequest(offer: "v=0"))), now: self.start)) == .notJoined)
        #expect(machine.state == .connected)
        #expect(machine.receive(self.frame(.join), now: self.start) == .execute(ClientEnvelope(id: "r", .join)))
    }

    @Test func rateLimitRefusesTheExcessAndRecovers() {
        let machine = self.machine(rate: 2, burst: 3)
        let ping = self.frame(.ping(PingData()))
        for _ in 0..<3 { #expect(self.errorCode(machine.receive(ping, now: self.start)) == nil) }
        #expect(self.errorCode(machine.receive(ping, now: self.start)) == .rateLimited)
        #expect(self.errorCode(machine.receive(ping, now: self.start + .milliseconds(499))) == .rateLimited)
        #expect(self.errorCode(machine.receive(ping, now: self.start + .milliseconds(1000))) == nil)
        #expect(machine.state == .connected)
    }

    /// Reactions (issue #21): one emoji each, and a bucket of their own
    /// (5 at once, then 2 a second) beside the socket's message rate.
    @Test func reactionsAreOneEmojiAndHaveTheirOwnRate() {
        let machine = self.machine()
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: false)
        for bad in ["", "a", "👍👍", ":)", "1", String(repeating: "x", count: 40), "hello"] {
            #expect(self.errorCode(machine.receive(self.frame(.reaction(ReactionSend(emoji: bad))), now: self.start)) == .invalidData, "\(bad)")
        }
        for good in ["👍", "❤️", "👏🏽", "🎉", "1️⃣", "🏳️‍🌈", "👨‍👩‍👧"] {
            #expect(ReactionSend.isValid(good), "\(good)")
        }
        let clap = ClientMessage.reaction(ReactionSend(emoji: "👏"))
        for _ in 0..<ReactionSend.burst {
            #expect(machine.receive(self.frame(clap), now: self.start) == .execute(ClientEnvelope(id: "r", clap)))
        }
        #expect(self.errorCode(machine.receive(self.frame(clap), now: self.start)) == .rateLimited)
        // Other messages are not held back by the reactions' bucket.
        let chat = ClientMessage.chat(ChatSend(body: "still here"))
        #expect(machine.receive(self.frame(chat), now: self.start) == .execute(ClientEnvelope(id: "r", chat)))
        #expect(machine.receive(self.frame(clap), now: self.start + .milliseconds(500)) == .execute(ClientEnvelope(id: "r", clap)))
    }

    /// Breakout rooms (issue #21 item 5): every request but `breakout-get`
    /// is the hosts' (an attendee is `forbidden` before its fields are
    /// read), bad fields are `invalid_data` before any I/O, and the
    /// requests have a bucket of their own.
    @Test func breakoutRequestsAreHostsFieldsCheckedAndRateLimited() {
        let attendee = self.machine()
        _ = attendee.receive(self.frame(.join), now: self.start)
        attendee.joined(waiting: false)
        #expect(self.errorCode(attendee.receive(self.frame(.breakout(.create(BreakoutCreate(count: 0)))), now: self.start)) == .forbidden)
        #expect(attendee.receive(self.frame(.breakout(.get)), now: self.start) == .execute(ClientEnvelope(id: "r", .breakout(.get))))
        let host = self.machine(.host)
        _ = host.receive(self.frame(.join), now: self.start)
        host.joined(waiting: false)
        #expect(self.errorCode(host.receive(self.frame(.breakout(.create(BreakoutCreate(count: 0)))), now: self.start)) == .invalidData)
        let auto = ClientMessage.breakout(.auto)
        for _ in 0..<BreakoutLimits.burst {
            #expect(host.receive(self.frame(auto), now: self.start) == .execute(ClientEnvelope(id: "r", auto)))
        }
        #expect(self.errorCode(host.receive(self.frame(auto), now: self.start)) == .rateLimited)
        #expect(host.receive(self.frame(auto), now: self.start + .milliseconds(300)) == .execute(ClientEnvelope(id: "r", auto)))
    }

    /// E2EE (issue #24): in an end-to-end encrypted meeting a client that
    /// does not say it encrypts (publish) or decrypts (subscribe) is refused
    /// with `e2ee_required`, not given a black tile.
    @Test func anE2EEMeetingRefusesPublishAndSubscribeWithoutE2EE() {
        var identity = self.identity(.attendee)
        identity.e2ee = true
        let machine = MachineDriver(SessionMachine(identity: identity, ratePerSecond: 100, burst: 100, now: self.start))
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: false)
        let plain = ClientMessage.publish(PublishRequest(offer: "v=0"))
        #expect(self.errorCode(machine.receive(self.frame(plain), now: self.start)) == .e2eeRequired)
        var encrypted = PublishRequest(offer: "v=0")
        encrypted.e2ee = true
        #expect(machine.receive(self.frame(.publish(encrypted)), now: self.start) == .execute(ClientEnvelope(id: "r", .publish(encrypted))))
        let watcher = UUID()
        #expect(self.errorCode(machine.receive(self.frame(.subscribe(SubscribeRequest(participantId: watcher))), now: self.start)) == .e2eeRequired)
        var decrypting = SubscribeRequest(participantId: watcher, perNode: true)
        decrypting.e2ee = true
        #expect(machine.receive(self.frame(.subscribe(decrypting)), now: self.start) == .execute(ClientEnvelope(id: "r", .subscribe(decrypting))))
        // An ordinary meeting takes either.
        let ordinary = self.machine()
        _ = ordinary.receive(self.frame(.join), now: self.start)
        ordinary.joined(waiting: false)
        #expect(ordinary.receive(self.frame(plain), now: self.start) == .execute(ClientEnvelope(id: "r", plain)))
    }

    /// Private messages (issue #21): a room event with recipients reaches
    /// only them, and the hosts when it is for the hosts.
    @Test func aPrivateEventReachesOnlyItsRecipientsAndForTheHostsTheHosts() {
        let attendee = self.machine(.attendee)
        let host = self.machine(.host)
        for machine in [attendee, host] {
            _ = machine.receive(self.frame(.join), now: self.start)
            machine.joined(waiting: false)
        }
        let someoneElse = UUID()
        #expect(!attendee.accepts(audience: .listed, exclude: nil, recipients: [someoneElse]))
        #expect(attendee.accepts(audience: .listed, exclude: nil, recipients: [someoneElse, attendee.identity.participantId]))
        #expect(!host.accepts(audience: .listed, exclude: nil, recipients: [someoneElse]))
        #expect(host.accepts(audience: .hostsAndListed, exclude: nil, recipients: [someoneElse]))
        #expect(!attendee.accepts(audience: .hostsAndListed, exclude: nil, recipients: [someoneElse]))
        #expect(attendee.accepts(audience: .hostsAndListed, exclude: nil, recipients: [attendee.identity.participantId]))
        // A replica from before private messages cannot decode these audiences: it drops the event.
        let frame = #"{"meetingId":"\(UUID())","origin":"r","sentAtMs":1,"audience":"listed","type":"chat","frame":"{}"}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(OldRoomBusMessage.self, from: Data(frame.utf8)) }
        let chat = { (send: ChatSend) in self.errorCode(attendee.receive(self.frame(.chat(send)), now: self.start)) }
        #expect(chat(ChatSend(body: "x", toParticipantId: UUID(), toHosts: true)) == .invalidData)
        #expect(chat(ChatSend(body: "x", toParticipantId: attendee.identity.participantId)) == .invalidData)
        #expect(chat(ChatSend(body: "x", toParticipantId: UUID())) == nil)
        // A file may go without text (issue #21, file sharing); text alone may not be blank.
        #expect(chat(ChatSend(body: "", attachmentId: UUID())) == nil)
        #expect(chat(ChatSend(body: "", toParticipantId: UUID(), attachmentId: UUID())) == nil)
        #expect(chat(ChatSend(body: " ")) == .invalidData)
    }

    @Test func closedSessionIgnoresEverything() {
        let machine = self.machine()
        #expect(machine.close())
        #expect(!machine.close())
        #expect(machine.receive(self.frame(.join), now: self.start) == .ignore)
        #expect(!machine.accepts(audience: .everyone, exclude: nil))
    }
}

/// The token bucket on its own.
@Suite struct TokenBucketTests {
    @Test func refillsAtTheRateUpToTheBurst() {
        let start = ContinuousClock.now
        let bucket = BucketDriver(TokenBucket(ratePerSecond: 10, burst: 5, now: start))
        #expect((0..<5).allSatisfy { _ in bucket.take(now: start) })
        #expect(!bucket.take(now: start))
        #expect(bucket.take(now: start + .milliseconds(100)))
        #expect(!bucket.take(now: start + .milliseconds(150)))
        // A long pause refills only up to the burst.
        let later = start + .seconds(60)
        #expect((0..<5).allSatisfy { _ in bucket.take(now: later) })
        #expect(!bucket.take(now: later))
    }
}

/// ``RoomBusMessage`` as a replica from before private messages decodes it.
private struct OldRoomBusMessage: Decodable {
    enum Audience: String, Decodable { case everyone, participants, hosts }
    var meetingId: UUID
    var audience: Audience
}
