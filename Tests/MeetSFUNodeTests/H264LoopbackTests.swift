import MeetProtocol
@testable import MeetRTC
import NIOCore
import Testing

@testable import MeetSFUNode

/// H.264 (packetization-mode=1) through the node like VP8: the subscriber
/// starts on an IDR, gets the payload type it accepted for H.264, and a
/// publisher that switches codec mid-stream is followed.
@Suite("TransportManager: H.264 over loopback", .serialized)
struct H264LoopbackTests {
    /// NAL unit headers (RFC 6184 §1.3): NRI 3 and the type.
    static let idr: [UInt8] = [0x65, 0x88, 0x84, 0x00]
    static let nonIDR: [UInt8] = [0x61, 0x9A, 0x00, 0x00]

    @Test("H.264 is forwarded from the first IDR with the subscriber's payload type; a codec switch is followed")
    func forwardsH264() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let publisherCodecs = try await onLoop(harness.publisher) { harness.publisher.negotiatedSendCodecs(mid: "0") }
        let h264 = try #require(publisherCodecs.first { $0.name.lowercased() == "h264" }, "the node accepts H.264")
        let vp8 = try #require(publisherCodecs.first { $0.name.lowercased() == "vp8" })
        let subscriberCodecs = try await onLoop(harness.subscriber) { harness.subscriber.remoteTracks.first?.codecs ?? [] }
        let subscriberH264 = try #require(subscriberCodecs.first { $0.name.lowercased() == "h264" }).payloadType
        let subscriberVP8 = try #require(subscriberCodecs.first { $0.name.lowercased() == "vp8" }).payloadType
        #expect(try await harness.manager.snapshot().publishers == 1)

        // Delta slices first (held back: the subscriber waits for a keyframe), then IDRs.
        var sequence: UInt16 = 300
        for _ in 0..<3 {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: h264.payloadType, payload: Self.nonIDR)
        }
        let firstIDR = sequence &+ 1
        try await waitUntil("H.264 reaches the subscriber") {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: h264.payloadType, payload: Self.idr)
            return try await harness.received(.video).count >= 3
        }
        let received = try await onLoop(harness.subscriber) { harness.subscriberMedia.rtp.map(\.bytes) }
        #expect(received.allSatisfy { $0[1] & 0x7F == subscriberH264 })
        #expect(received.allSatisfy { Array($0[12...]) == Self.idr }, "nothing before the first IDR")
        #expect(try await harness.received(.video).first?.sequence ?? 0 >= firstIDR)

        // The publisher switches to VP8 on the same SSRC: the node follows it.
        try await waitUntil("VP8 reaches the subscriber after the switch") {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: vp8.payloadType, payload: ForwardingLoopbackTests.vp8Keyframe)
            return try await onLoop(harness.subscriber) { harness.subscriberMedia.rtp.contains { $0.bytes[1] & 0x7F == subscriberVP8 } }
        }
        try await harness.shutdown()
    }
}
