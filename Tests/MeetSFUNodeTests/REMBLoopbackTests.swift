import MeetRTC
import MeetRTCP
import MeetSFU
import Testing

import MeetProtocol
@testable import MeetSFUNode

/// REMB from the node's receive-side estimate (docs/rtc.md, "Bandwidth
/// feedback to publishers"), over loopback UDP with a MeetRTC publisher.
@Suite("TransportManager: REMB to publishers without transport-cc", .serialized)
struct REMBLoopbackTests {
    static func rembs(_ packets: [RTCPPacket]) -> [RTCPReceiverEstimatedMaxBitrate] {
        packets.compactMap { if case .receiverEstimatedMaxBitrate(let remb) = $0 { remb } else { nil } }
    }

    static func receiverReports(_ packets: [RTCPPacket]) -> Int {
        packets.filter { if case .receiverReport = $0 { true } else { false } }.count
    }

    @Test("a publisher offering goog-remb without transport-cc gets REMB about its SSRC")
    func rembWithoutTransportCC() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video], publisherPolicy: .withoutTransportCC)
        let answer = harness.published.answer
        #expect(answer.contains("goog-remb") && !answer.contains("transport-cc"))
        let ssrc = try harness.publisherTrack(.video).ssrc
        var sequence: UInt16 = 0
        var rembs: [RTCPReceiverEstimatedMaxBitrate] = []
        try await waitUntil("a REMB reached the publisher") {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
            rembs = Self.rembs(try await harness.publisherRTCP())
            return !rembs.isEmpty
        }
        let remb = try #require(rembs.first)
        #expect(remb.ssrcs == [ssrc])
        let bounds = ReceiveSideEstimator.Configuration()
        #expect((bounds.minimum...bounds.maximum).contains(remb.bitrate))
        try await harness.shutdown()
    }

    @Test("a publisher with transport-cc gets transport-wide feedback and receiver reports, never REMB")
    func noRembWithTransportCC() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        var sequence: UInt16 = 0
        var packets: [RTCPPacket] = []
        // Three receiver reports (one a second) span more than two REMB intervals.
        try await waitUntil("three receiver reports reached the publisher", within: 30) {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
            packets = try await harness.publisherRTCP()
            return Self.receiverReports(packets) >= 3
        }
        #expect(Self.rembs(packets).isEmpty)
        try await harness.shutdown()
    }

    @Test("MEET_SFU_REMB=false: no REMB even without transport-cc")
    func switchedOff() async throws {
        let harness = try await LoopbackHarness.connected(
            kinds: [.video], publisherPolicy: .withoutTransportCC, receiverEstimate: false)
        var sequence: UInt16 = 0
        var packets: [RTCPPacket] = []
        try await waitUntil("three receiver reports reached the publisher", within: 30) {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
            packets = try await harness.publisherRTCP()
            return Self.receiverReports(packets) >= 3
        }
        #expect(Self.rembs(packets).isEmpty)
        try await harness.shutdown()
    }
}
