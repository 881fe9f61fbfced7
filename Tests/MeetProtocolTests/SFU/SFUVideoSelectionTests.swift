import Foundation
import MeetProtocol
import Testing

@Suite("sfu.set-video-selection bodies: the JSON on the bus")
struct SFUVideoSelectionTests {
    @Test("a request written by hand decodes (the documented field names)")
    func decodesHandWritten() throws {
        let json = """
            {"selections":[
              {"transportId":"sfu-2-sub-9","forward":[{"participantId":"B77C","source":"camera","maxHeight":360}]},
              {"transportId":"sfu-2-sub-12","forward":[]}]}
            """
        let request = try JSONDecoder().decode(SetVideoSelectionRequest.self, from: Data(json.utf8))
        #expect(
            request == SetVideoSelectionRequest(selections: [
                SFUVideoSelection(
                    transportId: "sfu-2-sub-9",
                    forward: [SFUVideoTarget(participantId: "B77C", source: .camera, maxHeight: 360)]),
                SFUVideoSelection(transportId: "sfu-2-sub-12", forward: []),
            ]))
        #expect(SFUControlType.setVideoSelection == "sfu.set-video-selection")
    }

    @Test("request and reply survive a JSON round trip")
    func roundTrip() throws {
        let request = SetVideoSelectionRequest(selections: [
            SFUVideoSelection(
                transportId: "t", forward: [SFUVideoTarget(participantId: "p", source: .screen, maxHeight: 1080)]),
        ])
        #expect(try JSONDecoder().decode(SetVideoSelectionRequest.self, from: JSONEncoder().encode(request)) == request)
        let reply = SetVideoSelectionReply(applied: ["t"])
        #expect(try JSONDecoder().decode(SetVideoSelectionReply.self, from: JSONEncoder().encode(reply)) == reply)
    }

    @Test("an unknown source is refused, not guessed")
    func unknownSourceIsRefused() {
        let json = #"{"selections":[{"transportId":"t","forward":[{"participantId":"p","source":"hologram","maxHeight":1}]}]}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SetVideoSelectionRequest.self, from: Data(json.utf8))
        }
    }
}

@Suite("video-preferences body: the client's JSON")
struct VideoPreferencesRequestTests {
    @Test("the documented example decodes; speakers may be left out")
    func decodesTheDocumentedExample() throws {
        let id = UUID()
        let json = """
            {"limit":10,"tiles":[{"participantId":"\(id.uuidString)","source":"camera","maxHeight":360}],
             "speakers":{"follow":true,"maxHeight":180}}
            """
        let request = try JSONDecoder().decode(VideoPreferencesRequest.self, from: Data(json.utf8))
        #expect(request == VideoPreferencesRequest(
            limit: 10, tiles: [.init(participantId: id, source: .camera, maxHeight: 360)],
            speakers: .init(follow: true, maxHeight: 180)))
        let bare = try JSONDecoder().decode(VideoPreferencesRequest.self, from: Data(#"{"limit":0,"tiles":[]}"#.utf8))
        #expect(bare.speakers == nil)
    }
}
