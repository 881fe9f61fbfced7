import Foundation
import MeetProtocol
import Testing

/// Round trips and bad input for the signaling codec (docs/signaling.md).
@Suite struct SignalingCodecTests {
    @Test func decodesEveryClientType() throws {
        let target = UUID()
        let cases: [(String, ClientMessage)] = [
            (#"{"type":"join","id":"1"}"#, .join),
            (#"{"type":"leave","data":{}}"#, .leave),
            (#"{"type":"media","data":{"mic":true}}"#, .media(MediaUpdate(mic: true))),
            (#"{"type":"hand","data":{"raised":true}}"#, .hand(HandUpdate(raised: true))),
            (#"{"type":"chat","data":{"body":"hi"}}"#, .chat(ChatSend(body: "hi"))),
            (#"{"type":"chat","data":{"body":"","attachmentId":"\#(target)"}}"#, .chat(ChatSend(body: "", attachmentId: target))),
            (#"{"type":"mute","data":{"participantId":"\#(target)","kind":"camera"}}"#,
             .mute(MuteCommand(participantId: target, kind: .camera))),
            (#"{"type":"kick","data":{"participantId":"\#(target)"}}"#, .kick(TargetCommand(participantId: target))),
            (#"{"type":"admit","data":{"participantId":"\#(target)"}}"#, .admit(TargetCommand(participantId: target))),
            (#"{"type":"deny","data":{"participantId":"\#(target)","reason":"no"}}"#,
             .deny(TargetCommand(participantId: target, reason: "no"))),
            (#"{"type":"end-meeting"}"#, .endMeeting),
            (#"{"type":"ping","data":{"nonce":"n"}}"#, .ping(PingData(nonce: "n"))),
            (#"{"type":"ping"}"#, .ping(PingData())),
            (#"{"type":"publish","data":{"offer":"v=0","sources":{"0":"mic","1":"screen"},"nodeId":"n1"}}"#,
             .publish(PublishRequest(offer: "v=0", sources: ["0": .mic, "1": .screen], nodeId: "n1"))),
            (#"{"type":"unpublish"}"#, .unpublish),
            (#"{"type":"subscribe","data":{"participantId":"\#(target)"}}"#, .subscribe(SubscribeRequest(participantId: target))),
            (#"{"type":"subscribe","data":{"participantId":"\#(target)","transportId":"t1","iceRestart":true}}"#,
             .subscribe(SubscribeRequest(participantId: target, transportId: "t1", iceRestart: true))),
            (#"{"type":"subscribe-answer","data":{"transportId":"t1","answer":"v=0"}}"#,
             .subscribeAnswer(SubscribeAnswer(transportId: "t1", answer: "v=0"))),
            (#"{"type":"unsubscribe","data":{"transportId":"t1"}}"#, .unsubscribe(UnsubscribeRequest(transportId: "t1"))),
        ]
        for (text, expected) in cases {
            let decoded = try SignalingCodec.decodeClient(Data(text.utf8))
            #expect(decoded.message == expected, "\(text)")
        }
        #expect(try SignalingCodec.decodeClient(Data(#"{"type":"join","id":"r-7"}"#.utf8)).id == "r-7")
    }

    @Test func clientRoundTrip() throws {
        let messages: [ClientMessage] = [
            .join, .leave, .endMeeting, .media(MediaUpdate(camera: false, screen: true)), .hand(HandUpdate(raised: false)),
            .chat(ChatSend(body: "héllo \"quoted\" </script>")), .kick(TargetCommand(participantId: UUID(), reason: "spam")),
            .mute(MuteCommand(participantId: UUID())), .ping(PingData(nonce: "x")),
            .publish(PublishRequest(offer: "v=0\r\n", sources: ["1": .camera])),
            .publish(PublishRequest(offer: "v=0\r\n", replaces: "old")), .unpublish,
            .subscribe(SubscribeRequest(participantId: UUID(), transportId: "t", iceRestart: false)),
            .subscribeAnswer(SubscribeAnswer(transportId: "t", answer: "v=0")), .unsubscribe(UnsubscribeRequest(transportId: "t")),
            .videoPreferences(VideoPreferencesRequest(
                limit: 2, tiles: [.init(participantId: UUID(), source: .camera, maxHeight: 360)],
                speakers: .init(follow: true, maxHeight: 180))),
        ]
        for message in messages {
            let text = SignalingCodec.encode(ClientEnvelope(id: "42", message))
            let decoded = try SignalingCodec.decodeClient(Data(text.utf8))
            #expect(decoded == ClientEnvelope(id: "42", message))
        }
    }

    @Test func serverRoundTrip() throws {
        let me = ParticipantInfo(id: UUID(), displayName: "Ada", role: .owner, userId: UUID(), guest: false,
                                 media: MediaState(mic: true), handRaised: true)
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        let track = TrackInfo(id: "t:0", participantId: me.id, kind: .mic, nodeId: "n1", mid: "0", codec: "opus", muted: true)
        let snapshot = RoomSnapshot(meetingId: UUID(), meetingCode: "abc-defg-hij", you: me.id, role: .owner,
                                    resumed: false, participants: [me], waiting: [])
        let messages: [ServerMessage] = [
            .joined(snapshot), .admitted(snapshot), .waiting(WaitingData(meetingId: UUID(), participantId: me.id)),
            .denied(Removal(by: me.id, reason: "no")), .kicked(Removal(by: nil)), .meetingEnded(Removal(by: me.id)),
            .participantJoined(ParticipantEvent(participant: me)), .participantUpdated(ParticipantEvent(participant: me)),
            .admissionRequest(ParticipantEvent(participant: me)),
            .participantLeft(ParticipantLeft(participantId: me.id, reason: .timeout)),
            .chat(ChatMessage(id: "7", participantId: me.id, userId: nil, displayName: "Ada", body: "hi", createdAt: when)),
            .muteRequested(MuteRequested(kind: .mic, by: me.id)),
            .admissionResolved(AdmissionResolved(participantId: me.id, outcome: .denied, by: me.id)),
            .sessionReplaced(EmptyData()), .pong(PingData(nonce: "n")),
            .published(Published(transportId: "t", nodeId: "n1", address: NodeAddress(ip: "10.0.0.1", port: 10000), answer: "v=0",
                                 tracks: [track])),
            .subscription(SubscriptionOffer(transportId: "s", publisherParticipantId: me.id, nodeId: "n1",
                                            address: NodeAddress(ip: "10.0.0.1", port: 10000), offer: "v=0", tracks: [track])),
            .tracks(TracksEvent(participantId: me.id, nodeId: "n1", tracks: [track])),
            .tracks(TracksEvent(participantId: me.id, nodeId: nil, tracks: [])),
            .subscriptionClosed(SubscriptionClosed(transportId: "s", publisherParticipantId: me.id, reason: "publisher_closed")),
            .migrate(MigrateInstruction(reason: .nodeDraining, nodeId: "n1", transportId: "t", targetNodeId: "n2")),
            .ack(AckData(messageId: "7", createdAt: when)),
            .credentials(ResumeCredentials(resumeToken: "a.b.c", expiresAt: when)),
            .activeSpeakers(ActiveSpeakers(speakers: [.init(participantId: me.id, level: 85)])),
            .activeSpeakers(ActiveSpeakers(speakers: [])),
            .videoSelection(VideoSelectionData(forwarding: [.init(participantId: me.id, source: .screen)])),
            .publisherLayers(PublisherLayers(transportId: "t", sections: [.init(mid: "1", active: ["q", "h"])])),
            .reaction(ReactionEvent(participantId: me.id, emoji: "👏")),
            .recordingStarted(RecordingStarted(recordingId: UUID(), startedBy: me.id, startedAt: when)),
            .recordingStopped(RecordingStopped(recordingId: UUID(), reason: "stopped_by_host")),
            .error(SignalingError(.forbidden, "hosts only")),
            .engagement(.poll(PollView(id: UUID(), question: "q", options: ["a", "b"], multiple: false, anonymous: true, state: .closed,
                                       revision: 3, createdAt: when, counts: [1, 0], voterCount: 1))),
            .engagement(.question(QuestionView(id: UUID(), text: "why?", anonymous: false, askedBy: me.id, askerName: "Ada", state: .open,
                                               votes: 2, revision: 3, askedAt: when, youVoted: true))),
            .engagement(.state(EngagementState(polls: [], questions: []))),
            .whiteboardOp(WhiteboardOpEvent(seq: 3, participantId: me.id, op: WhiteboardOp(kind: .erase, target: 2), createdAt: when)),
            .whiteboardState(WhiteboardStateData(
                ops: [WhiteboardOpEvent(seq: 1, participantId: me.id, op: WhiteboardOp(kind: .line, points: [0, 0, 9, 9]), createdAt: when)],
                seq: 1, locked: true, full: true)),
            .breakout(.plan(BreakoutPlan(meetingId: me.id))),
            .breakout(.scope(BreakoutScope(roomId: UUID(), roomName: "Room 1", participants: [me], tracks: []))),
            .breakout(.broadcast(BreakoutBroadcast(participantId: me.id, displayName: "Ada", text: "5 minutes left"))),
            .notification(NotificationResponse(
                id: UUID(), kind: "invitation", meetingCode: "abc-defg-hij", title: "Ada invited you", body: "Standup",
                createdAt: when, readAt: nil)),
            .userReady(EmptyData()),
        ]
        #expect(Set(messages.map(\.type)) == Set(ServerMessage.allTypes))
        for message in messages {
            let text = SignalingCodec.encode(ServerEnvelope(id: "9", message))
            #expect(try SignalingCodec.decodeServer(Data(text.utf8)) == ServerEnvelope(id: "9", message))
        }
    }

    @Test func trackInfoOfTheFirstVersionStillDecodes() throws {
        let id = UUID()
        let old = #"{"id":"x","participantId":"\#(id)","kind":"camera"}"#
        let track = try JSONDecoder().decode(TrackInfo.self, from: Data(old.utf8))
        #expect(track == TrackInfo(id: "x", participantId: id, kind: .camera))
        #expect(track.muted == false && track.mid == nil && track.codec == nil && track.nodeId == nil)
    }

    @Test func publishedWireShape() throws {
        let pid = UUID()
        let text = SignalingCodec.encode(ServerEnvelope(id: "p", .published(Published(
            transportId: "t", nodeId: "n1", address: NodeAddress(ip: "127.0.0.1", port: 4000), answer: "v=0",
            tracks: [TrackInfo(id: "t:0", participantId: pid, kind: .mic, nodeId: "n1", mid: "0", codec: "opus")]))))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let data = try #require(object["data"] as? [String: Any])
        #expect(object["type"] as? String == "published")
        #expect((data["address"] as? [String: Any])?["port"] as? Int == 4000)
        let track = try #require((data["tracks"] as? [[String: Any]])?.first)
        #expect(Set(track.keys) == ["id", "participantId", "kind", "nodeId", "mid", "codec", "muted"])
        #expect(track["kind"] as? String == "mic" && track["muted"] as? Bool == false)
    }

    @Test func presenceRecordSurvivesLuaEmptyArrays() throws {
        // Redis's cjson turns `[]` into `{}` when the presence merge script re-encodes a record.
        let json = #"{"nodeId":"n","transportId":"t","address":{"ip":"1.2.3.4","port":1},"tracks":{}}"#
        let publication = try JSONDecoder().decode(PublicationRecord.self, from: Data(json.utf8))
        #expect(publication.tracks.isEmpty)
        let bad = #"{"nodeId":"n","transportId":"t","address":{"ip":"1.2.3.4","port":1},"tracks":5}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(PublicationRecord.self, from: Data(bad.utf8)) }
    }

    @Test func wireShapeIsTheDocumentedEnvelope() throws {
        let text = SignalingCodec.encode(ServerEnvelope(id: "1", .error(SignalingError(.notFound, "gone"))))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "error")
        #expect(object["id"] as? String == "1")
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["code"] as? String == "not_found")
        #expect(data["message"] as? String == "gone")
    }

    @Test func badInputBecomesTypedErrors() {
        func code(_ text: String) -> (SignalingErrorCode?, String?) {
            do {
                _ = try SignalingCodec.decodeClient(Data(text.utf8))
                return (nil, nil)
            } catch {
                return (error.error.code, error.id)
            }
        }
        #expect(code("not json").0 == .malformedJSON)
        #expect(code("[]").0 == .malformedJSON)
        #expect(code(#"{"id":"1"}"#).0 == .malformedJSON)
        #expect(code(#"{"type":5}"#).0 == .malformedJSON)
        #expect(code("\u{0}\u{1}").0 == .malformedJSON)
        #expect(code(#"{"type":"dance","id":"x"}"#) == (.unknownType, "x"))
        #expect(code(#"{"type":"chat","id":"c"}"#) == (.invalidData, "c"))
        #expect(code(#"{"type":"chat","data":{"body":5}}"#).0 == .invalidData)
        #expect(code(#"{"type":"kick","data":{"participantId":"nope"}}"#).0 == .invalidData)
        #expect(code(#"{"type":"mute","data":{"participantId":"\#(UUID())","kind":"lasers"}}"#).0 == .invalidData)
        #expect(code(#"{"type":"media","data":"on"}"#).0 == .invalidData)
        #expect(code(#"{"type":"join","id":"\#(String(repeating: "x", count: 200))"}"#).0 == .invalidData)
        #expect(code(#"{"type":"publish","id":"p"}"#) == (.invalidData, "p"))
        #expect(code(#"{"type":"publish","data":{"offer":5}}"#).0 == .invalidData)
        #expect(code(#"{"type":"publish","data":{"offer":"v=0","sources":{"0":"hologram"}}}"#).0 == .invalidData)
        #expect(code(#"{"type":"subscribe","data":{"participantId":"nope"}}"#).0 == .invalidData)
        #expect(code(#"{"type":"subscribe-answer","data":{"transportId":"t"}}"#).0 == .invalidData)
        #expect(code(#"{"type":"unsubscribe","data":{}}"#).0 == .invalidData)
    }
}
