import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetRTP
import MeetSFU
import NIOCore
import Testing

@testable import MeetSFUNode

/// A publisher's RTX (RFC 4588, #16 item 1) over loopback UDP with MeetRTC
/// clients: the node's answer keeps the `rtx` codec the publisher offered,
/// and a retransmission the node asked for, sent on the publisher's RTX
/// stream, reaches the subscriber as the media packet it repeats. A
/// padding-only RTX packet (a bandwidth probe) is counted and not forwarded.
@Suite("TransportManager: a publisher's RTX stream over loopback", .serialized)
struct PublisherRTXLoopbackTests {
    @Test("a NACKed packet the publisher repeats on its RTX stream reaches the subscriber as the media packet; padding is not forwarded")
    func retransmissionOverRTX() async throws {
        var offering = MediaPolicy()
        offering.offersRTX = true
        let harness = try await LoopbackHarness.connected(kinds: [.video], publisherPolicy: offering)
        let answer = harness.published.answer
        #expect(answer.contains(" rtx/90000\r\n") && answer.contains("a=fmtp:97 apt=96\r\n"))
        let track = try harness.publisherTrack(.video)
        let rtxSSRC = try #require(track.rtxSSRC)
        let offered = try harness.offeredSSRC(.video)

        var sequence: UInt16 = 7_000
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: 2)
        let lost = sequence &+ 1
        sequence &+= 2
        try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: FeedbackLoopbackTests.keyframe(sequence))
        try await waitUntil("the publisher was NACKed for the missing packet") {
            try await harness.publisherRTCP().contains { packet in
                guard case .nack(let nack) = packet else { return false }
                return nack.mediaSSRC == track.ssrc && nack.sequenceNumbers.contains(lost)
            }
        }

        func media() async throws -> [RTPPacket] {
            try await onLoop(harness.subscriber) {
                harness.subscriberMedia.rtp.compactMap { try? RTPPacket(parsing: $0.bytes) }.filter { $0.ssrc == offered }
            }
        }
        let before = try await media().count
        // The retransmission on the RTX stream: the original sequence number first (§4).
        let original = FeedbackLoopbackTests.keyframe(lost)
        try await onLoop(harness.publisher) {
            harness.publisher.sendRTP(ForwardingLoopbackTests.rtp(
                payloadType: 97, sequence: 1, ssrc: rtxSSRC, payload: [UInt8(lost >> 8), UInt8(lost & 0xFF)] + original))
        }
        try await waitUntil("the repaired packet reached the subscriber") {
            try await media().contains { $0.payload == original }
        }
        let repaired = try #require(try await media().first { $0.payload == original })
        #expect(repaired.payloadType == 96)
        // One more packet for the subscriber, numbered apart from the others.
        let numbers = try await media().map(\.sequenceNumber)
        #expect(numbers.count == before + 1)
        #expect(Set(numbers).count == numbers.count)

        // A padding-only RTX packet (RFC 3550 §5.1): counted, not forwarded.
        var padding = [UInt8](repeating: 0, count: 64)
        let length = try #require(padding.withUnsafeMutableBytes {
            RTXPacket.padding(into: $0, size: 40, ssrc: rtxSSRC, sequenceNumber: 2, timestamp: 0, payloadType: 97, transportWideID: 0)
        })
        let probe = Array(padding[0..<length])
        try await onLoop(harness.publisher) {
            var buffer = ByteBufferAllocator().buffer(capacity: probe.count)
            buffer.writeBytes(probe)
            harness.publisher.sendRTP(buffer)
        }
        let node = try await harness.nodePublisher()
        try await waitUntil("the node counted the padding") {
            try await harness.onNode { node.router.repairCounters.padding } == 1
        }
        let counters = try await harness.onNode { node.router.repairCounters }
        #expect(counters.repaired == 1 && counters.unrepairable == 0)
        #expect(try await harness.onNode { node.router.repairStream(ssrc: rtxSSRC)?.mediaSSRC } == track.ssrc)
        #expect(try await media().count == before + 1)
        try await harness.shutdown()
    }
}
