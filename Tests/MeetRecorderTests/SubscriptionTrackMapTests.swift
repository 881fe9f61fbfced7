import Foundation
import MeetProtocol
import Testing

@testable import MeetRecorder

/// Which track a subscriber connection's media section carries, and which
/// tracks the recorder records (docs/dev/recording.md, "The recorder as a hidden subscriber").
@Suite struct SubscriptionTrackMapTests {
    static let publisher = UUID()

    static func offer(mids: [String], tracks: [TrackInfo]) -> SubscriptionOffer {
        let sdp = (["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"] + mids.flatMap { ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:\($0)"] })
            .joined(separator: "\r\n") + "\r\n"
        return SubscriptionOffer(
            transportId: "sfu-1-sub-1", publisherParticipantId: publisher, nodeId: "sfu-1",
            address: NodeAddress(ip: "127.0.0.1", port: 40000), offer: sdp, tracks: tracks)
    }

    @Test func aPerNodeOfferNamesTheSectionOfEachTrack() {
        let other = UUID()
        let mic = TrackInfo(id: "pub-1:0", participantId: Self.publisher, kind: .mic, mid: "2", codec: "opus")
        let camera = TrackInfo(id: "pub-2:1", participantId: other, kind: .camera, mid: "0", codec: "VP8")
        // Sections of publishers taken off stay in the SDP (inactive): the mids say which is which, not the order.
        let map = SubscriptionTrackMap(offer: Self.offer(mids: ["0", "1", "2"], tracks: [mic, camera]))
        #expect(map.byMid == ["2": mic, "0": camera])
    }

    @Test func withoutMidsTheNthSectionCarriesTheNthTrack() {
        let mic = TrackInfo(id: "pub-1:0", participantId: Self.publisher, kind: .mic, codec: "opus")
        let camera = TrackInfo(id: "pub-1:1", participantId: Self.publisher, kind: .camera, codec: "VP8")
        #expect(SubscriptionTrackMap(offer: Self.offer(mids: ["a", "b"], tracks: [mic, camera])).byMid == ["a": mic, "b": camera])
        #expect(SubscriptionTrackMap(offer: Self.offer(mids: ["a"], tracks: [mic, camera])).byMid == ["a": mic])
    }

    /// H.264 is recorded since session 11 (to Matroska): this test said nil before.
    @Test func opusVP8AndH264AreRecorded() {
        func track(_ kind: MeetProtocol.MediaKind, _ codec: String?) -> TrackInfo {
            TrackInfo(id: "t", participantId: Self.publisher, kind: kind, codec: codec)
        }
        #expect(MeetingRecorder.codec(track(.mic, "opus")) == .opus)
        #expect(MeetingRecorder.codec(track(.camera, "VP8")) == .vp8)
        #expect(MeetingRecorder.codec(track(.screen, "vp8")) == .vp8)
        #expect(MeetingRecorder.codec(track(.camera, "H264")) == .h264)
        #expect(MeetingRecorder.codec(track(.camera, "AV1")) == nil)
        #expect(MeetingRecorder.codec(track(.mic, nil)) == .opus)
        #expect(MeetingRecorder.codec(track(.camera, nil)) == nil)
    }
}
