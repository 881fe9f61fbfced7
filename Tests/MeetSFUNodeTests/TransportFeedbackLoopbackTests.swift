import MeetRTC
import MeetRTCP
import MeetRTP
import NIOCore
import Testing

import MeetProtocol
@testable import MeetSFUNode

/// The node answers a publisher's transport-wide sequence numbers with
/// transport-wide feedback, over loopback UDP with a MeetRTC client.
@Suite("TransportManager: transport-wide congestion control feedback over loopback", .serialized)
struct TransportFeedbackLoopbackTests {
    @Test("the answer keeps transport-cc, and the publisher gets feedback naming what arrived and what did not")
    func feedbackToThePublisher() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let answer = harness.published.answer
        let extmap = try #require(
            answer.split(whereSeparator: \.isNewline).first { $0.hasSuffix(" " + MediaPolicy.transportCCURI) },
            "the node's answer dropped transport-wide-cc:\n\(answer)")
        #expect(answer.contains("a=rtcp-fb:96 transport-cc"))
        let id = try #require(UInt8(extmap.dropFirst("a=extmap:".count).prefix { $0.isNumber }))
        let ssrc = try harness.publisherTrack(.video).ssrc
        // Media sent before DTLS is up is dropped (`before_dtls`): wait for it.
        try await waitUntil("the publisher is connected") {
            try await onLoop(harness.publisher) { harness.publisher.state == .connected }
        }

        // Transport-wide numbers 500...519 except 510 (lost on the way).
        let sent = (500...519).filter { $0 != 510 }.map(UInt16.init)
        for (index, number) in sent.enumerated() {
            var packet = RTPPacket(
                payloadType: 96, sequenceNumber: UInt16(3000 + index), timestamp: UInt32(index) * 3000, ssrc: ssrc,
                payload: ForwardingLoopbackTests.vp8Keyframe)
            try packet.setExtension(id: id, value: [UInt8(number >> 8), UInt8(number & 0xFF)])
            let bytes = try packet.encode()
            try await onLoop(harness.publisher) {
                var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                harness.publisher.sendRTP(buffer)
            }
        }

        var reported: [UInt16: Bool] = [:]
        try await waitUntil("feedback covering 500...519") {
            let rtcp = try await onLoop(harness.publisher) { harness.publisherMedia.rtcp }
            reported = [:]
            for bytes in rtcp {
                for case .transportWideFeedback(let feedback) in (try? RTCPPacket.parseCompound(bytes)) ?? [] {
                    for result in feedback.packets { reported[result.sequenceNumber] = (reported[result.sequenceNumber] ?? false) || result.receiveDelta != nil }
                }
            }
            let wanted: [UInt16] = Array(500...519)
            return wanted.allSatisfy { reported.keys.contains($0) }
        }
        #expect(sent.allSatisfy { reported[$0] == true }, "a packet that arrived was reported lost: \(reported)")
        #expect(reported[510] == false, "the missing packet was reported received")
        try await harness.shutdown()
    }
}
