import Foundation
import MeetProtocol
import Testing

@Suite("SFUNodeRecord and control bodies: the JSON on Redis and the bus")
struct SFUNodeRecordTests {
    static let record = SFUNodeRecord(
        id: "node-a", publicIP: "203.0.113.7", udpPort: 10000, region: "eu-west", state: .serving,
        load: SFUNodeLoad(
            transports: 3, publishers: 1, subscribers: 2, packetsInPerSecond: 100, packetsOutPerSecond: 200,
            bitsInPerSecond: 800_000, bitsOutPerSecond: 1_600_000, cpu: 0.25),
        updatedAtMs: 1_795_000_000_000)

    @Test("a record survives a JSON round trip")
    func roundTrip() throws {
        let data = try JSONEncoder().encode(Self.record)
        #expect(try JSONDecoder().decode(SFUNodeRecord.self, from: data) == Self.record)
    }

    @Test("field names are the documented ones (ServerWS and Python read them)")
    func fieldNames() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.record)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "publicIP", "udpPort", "region", "state", "load", "updatedAtMs"])
        #expect(object["state"] as? String == "serving")
        let load = try #require(object["load"] as? [String: Any])
        #expect(
            Set(load.keys) == [
                "transports", "publishers", "subscribers", "packetsInPerSecond", "packetsOutPerSecond",
                "bitsInPerSecond", "bitsOutPerSecond", "cpu",
            ])
    }

    @Test("a record written by hand decodes; a missing CPU figure is nil")
    func decodesHandWritten() throws {
        let json = """
            {"id":"n","publicIP":"10.0.0.1","udpPort":4000,"region":"r","state":"draining","updatedAtMs":5,
             "load":{"transports":0,"publishers":0,"subscribers":0,"packetsInPerSecond":0,"packetsOutPerSecond":0,
                     "bitsInPerSecond":0,"bitsOutPerSecond":0}}
            """
        let record = try JSONDecoder().decode(SFUNodeRecord.self, from: Data(json.utf8))
        #expect(record.state == .draining)
        #expect(record.load.cpu == nil)
        #expect(record.inbox == "sfu:n")
    }

    @Test("an unknown state is refused, not guessed")
    func unknownState() {
        let json = #"{"id":"n","publicIP":"1.2.3.4","udpPort":1,"region":"r","state":"zombie","updatedAtMs":0,"load":{}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SFUNodeRecord.self, from: Data(json.utf8)) }
    }

    @Test("registry keys")
    func keys() {
        #expect(SFURegistryKeys.node("node-a") == "sfu:node:node-a")
        #expect(SFURegistryKeys.nodes == "sfu:nodes")
    }

    @Test("control bodies use the documented field names")
    func controlBodies() throws {
        func keys(_ value: some Encodable) throws -> Set<String> {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]
            return Set(object?.keys.map { $0 } ?? [])
        }
        #expect(try keys(CreatePublisherRequest(participantId: "p", roomId: "r", offer: "o")) == ["participantId", "roomId", "offer"])
        #expect(try keys(CreatePublisherReply(transportId: "t", answer: "a")) == ["transportId", "answer", "tracks"])
        #expect(try keys(CreateSubscriberRequest(participantId: "p", publisherParticipantId: "q")) == ["participantId", "publisherParticipantId"])
        #expect(try keys(CreateSubscriberReply(transportId: "t", offer: "o")) == ["transportId", "offer", "tracks"])
        #expect(
            try keys(SFUTrack(id: "t:0", mid: "0", kind: "audio", source: .mic, codec: "opus"))
                == ["id", "mid", "kind", "source", "codec", "muted"])
        #expect(try keys(SetMuteRequest(participantId: "p", source: .camera, muted: true)) == ["participantId", "source", "muted"])
        #expect(try keys(SetMuteReply(tracks: 1)) == ["tracks"])
        #expect(
            try keys(SFUTransportClosedEvent(
                nodeId: "n", transportId: "t", role: .subscriber, participantId: "p", publisherParticipantId: "q",
                roomId: "r", reason: "x"))
                == ["nodeId", "transportId", "role", "participantId", "publisherParticipantId", "roomId", "reason"])
        #expect(try keys(SubscriberAnswerRequest(transportId: "t", answer: "a")) == ["transportId", "answer"])
        #expect(try keys(CloseTransportRequest(transportId: "t")) == ["transportId"])
        #expect(try keys(CloseParticipantRequest(participantId: "p")) == ["participantId"])
        #expect(try keys(SFUCloseReply(closed: 2)) == ["closed"])
    }

    @Test("message types and error codes are stable strings")
    func names() {
        #expect(SFUControlType.createPublisher == "sfu.create-publisher")
        #expect(SFUControlType.createSubscriber == "sfu.create-subscriber")
        #expect(SFUControlType.subscriberAnswer == "sfu.subscriber-answer")
        #expect(SFUControlType.closeTransport == "sfu.close-transport")
        #expect(SFUControlType.closeParticipant == "sfu.close-participant")
        #expect(SFUControlType.setMute == "sfu.set-mute")
        #expect(SFUTransportClosedEvent.type == "sfu.transport-closed")
        #expect(SFUEventChannel.events == "sfu:events")
        #expect(
            Set(SFUControlErrorCode.allCases.map(\.rawValue)) == [
                "unknown_publisher", "unknown_transport", "bad_sdp", "bad_request", "draining", "unsupported_type",
            ])
    }
}
