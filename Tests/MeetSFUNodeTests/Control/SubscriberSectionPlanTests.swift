import MeetRTC
import Testing

@testable import MeetSFUNode

/// The re-offers of a per-node subscriber connection: tracks of several
/// publishers come and go on one PeerConnection, and m-lines are reused.
@Suite("SubscriberSectionPlan: one subscriber connection carries many publishers")
struct SubscriberSectionPlanTests {
    let aMic = SubscribedTrack(publisher: "pub-a", mid: "0")
    let aCam = SubscribedTrack(publisher: "pub-a", mid: "1")
    let bMic = SubscribedTrack(publisher: "pub-b", mid: "0")
    let bCam = SubscribedTrack(publisher: "pub-b", mid: "1")
    let cMic = SubscribedTrack(publisher: "pub-c", mid: "0")
    let cCam = SubscribedTrack(publisher: "pub-c", mid: "1")

    @Test("a second publisher on the node: its tracks are appended, the first one's stay")
    func addPublisher() {
        let plan = SubscriberSectionPlan(
            sections: [aMic: "0", aCam: "1"], kinds: ["0": .audio, "1": .video], idle: [:],
            wanted: [(aMic, .audio), (aCam, .video), (bMic, .audio), (bCam, .video)])
        #expect(plan.changes == ["0": .keep, "1": .keep])
        #expect(plan.appending == [.audio, .video] && plan.added == [bMic, bCam])
        #expect(plan.sections(newMids: ["2", "3"]) == [aMic: "0", aCam: "1", bMic: "2", bCam: "3"])
        #expect(plan.idle.isEmpty && !plan.isEmpty)
    }

    @Test("a publisher that goes leaves its sections inactive; the next one of the same kinds reuses them")
    func removeThenReuse() {
        let removed = SubscriberSectionPlan(
            sections: [aMic: "0", aCam: "1", bMic: "2", bCam: "3"],
            kinds: ["0": .audio, "1": .video, "2": .audio, "3": .video], idle: [:],
            wanted: [(aMic, .audio), (aCam, .video)])
        #expect(removed.changes == ["0": .keep, "1": .keep, "2": .deactivate, "3": .deactivate])
        #expect(removed.appending.isEmpty)
        #expect(removed.idle == ["2": .audio, "3": .video])
        #expect(removed.sections(newMids: []) == [aMic: "0", aCam: "1"])

        let reused = SubscriberSectionPlan(
            sections: [aMic: "0", aCam: "1"], kinds: ["0": .audio, "1": .video], idle: removed.idle,
            wanted: [(aMic, .audio), (aCam, .video), (cMic, .audio), (cCam, .video)])
        #expect(reused.changes == ["0": .keep, "1": .keep, "2": .reactivate, "3": .reactivate])
        #expect(reused.appending.isEmpty && reused.idle.isEmpty)
        #expect(reused.sections(newMids: []) == [aMic: "0", aCam: "1", cMic: "2", cCam: "3"])
    }

    @Test("a swap in one re-offer reuses the section it frees; only kinds without an idle section are appended")
    func swapAndGrow() {
        let plan = SubscriberSectionPlan(
            sections: [aMic: "0", aCam: "1"], kinds: ["0": .audio, "1": .video], idle: ["5": .video, "4": .audio],
            wanted: [(bCam, .video), (cCam, .video), (bMic, .audio), (cMic, .audio)])
        // aMic (0) and aCam (1) go; the lowest idle mid of each kind is taken first.
        #expect(plan.reused == [bCam: "1", cCam: "5", bMic: "0", cMic: "4"])
        #expect(plan.changes == ["0": .reactivate, "1": .reactivate, "4": .reactivate, "5": .reactivate])
        #expect(plan.appending.isEmpty && plan.idle.isEmpty)

        let grow = SubscriberSectionPlan(
            sections: [:], kinds: [:], idle: ["1": .video],
            wanted: [(aMic, .audio), (aCam, .video), (bCam, .video)])
        #expect(grow.reused == [aCam: "1"])
        #expect(grow.added == [aMic, bCam] && grow.appending == [.audio, .video])
        #expect(grow.sections(newMids: ["2"]) == nil)
        #expect(grow.sections(newMids: ["2", "3"]) == [aCam: "1", aMic: "2", bCam: "3"])
    }

    @Test("nothing to change: no re-offer; the SDP never grows past the most tracks carried at once")
    func bounded() {
        let same = SubscriberSectionPlan(
            sections: [aMic: "0"], kinds: ["0": .audio], idle: ["1": .video], wanted: [(aMic, .audio)])
        #expect(same.isEmpty && same.idle == ["1": .video])

        // Subscribe and unsubscribe 50 times: the connection never holds more than 2 sections.
        var sections: [SubscribedTrack: String] = [:]
        var kinds: [String: MeetRTC.MediaKind] = [:]
        var idle: [String: MeetRTC.MediaKind] = [:]
        var mids = 0
        for round in 0..<50 {
            let publisher = "pub-\(round)"
            let wanted: [(track: SubscribedTrack, kind: MeetRTC.MediaKind)] = round % 2 == 0
                ? [(SubscribedTrack(publisher: publisher, mid: "0"), .audio), (SubscribedTrack(publisher: publisher, mid: "1"), .video)]
                : []
            let plan = SubscriberSectionPlan(sections: sections, kinds: kinds, idle: idle, wanted: wanted)
            let newMids = plan.appending.indices.map { String(mids + $0) }
            for (mid, kind) in zip(newMids, plan.appending) { kinds[mid] = kind }
            mids += newMids.count
            sections = plan.sections(newMids: newMids) ?? [:]
            idle = plan.idle
        }
        #expect(mids == 2)
    }
}
