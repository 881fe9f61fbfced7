@testable import MeetRTC
import Testing

@testable import MeetSFUNode

/// The sections of a subscriber re-offer, from the sections it has and the
/// publisher's tracks now (no connection, no SDP).
@Suite("SubscriberReofferPlan: a subscriber re-offer mirrors its publisher")
struct SubscriberReofferPlanTests {
    func local(_ mid: String, _ kind: MeetRTC.MediaKind) -> LocalTrack {
        LocalTrack(mid: mid, kind: kind, ssrc: 1, cname: "c", streamID: "s", trackID: "t\(mid)")
    }

    func remote(_ mid: String, _ kind: MeetRTC.MediaKind) -> RemoteTrack {
        RemoteTrack(mid: mid, kind: kind, ssrcs: [], codecs: [])
    }

    @Test("kept tracks keep their sections, gone ones are removed, new ones appended in order")
    func keepRemoveAdd() throws {
        // Sections 0 (audio, publisher mid a) and 1 (video, publisher mid v); v is gone, s and t are new.
        let plan = SubscriberReofferPlan(
            sections: ["a": "0", "v": "1"], localTracks: [local("0", .audio), local("1", .video)],
            publisherTracks: [remote("a", .audio), remote("s", .video), remote("t", .audio)])
        #expect(plan.kinds == [.audio, .video, .audio])
        #expect(plan.removing == ["1"])
        #expect(plan.kept == ["a": "0"])
        #expect(plan.added == ["s", "t"])
        #expect(plan.sections(newMids: ["2", "3"]) == ["a": "0", "s": "2", "t": "3"])
    }

    @Test("a re-offer whose new sections do not match the added tracks is refused")
    func mismatch() {
        let plan = SubscriberReofferPlan(
            sections: ["a": "0"], localTracks: [local("0", .audio)], publisherTracks: [remote("a", .audio), remote("v", .video)])
        #expect(plan.sections(newMids: []) == nil)
        #expect(plan.sections(newMids: ["1", "2"]) == nil)
        #expect(plan.sections(newMids: ["1"]) == ["a": "0", "v": "1"])
    }

    @Test("nothing changed: every section kept, nothing added or removed")
    func unchanged() {
        let plan = SubscriberReofferPlan(
            sections: ["a": "0"], localTracks: [local("0", .audio)], publisherTracks: [remote("a", .audio)])
        #expect(plan.kinds == [.audio] && plan.removing.isEmpty && plan.added.isEmpty)
        #expect(plan.sections(newMids: []) == ["a": "0"])
    }
}
