import MeetRTC
import MeetRTCP
import MeetRTP
import MeetProtocol
import MeetSFU
import NIOCore
import Testing

@testable import MeetSFUNode

/// Bandwidth estimation toward subscribers (#16 item 3) over loopback UDP
/// with MeetRTC clients: the node offers transport-cc to the subscriber,
/// numbers what it forwards in its own sequence, and reads the
/// subscriber's feedback into the connection's estimator.
@Suite("TransportManager: transport-wide numbering toward subscribers over loopback", .serialized)
struct SubscriberBandwidthLoopbackTests {
    /// The id `uri` has in an SDP's first `a=extmap` for it.
    static func extensionID(of uri: String, in sdp: String) throws -> UInt8 {
        let line = try #require(sdp.split(whereSeparator: \.isNewline).first { $0.hasSuffix(" " + uri) }, "no \(uri):\n\(sdp)")
        return try #require(UInt8(line.dropFirst("a=extmap:".count).prefix { $0.isNumber }))
    }

    @Test("forwarded packets carry the node's own transport-wide numbers; the subscriber's feedback reaches its estimator")
    func numberingAndFeedback() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let publisherID = try Self.extensionID(of: MediaPolicy.transportCCURI, in: harness.published.answer)
        let subscriberID = try Self.extensionID(of: MediaPolicy.transportCCURI, in: harness.subscription.offer)
        #expect(harness.subscription.offer.contains("transport-cc"))
        let ssrc = try harness.publisherTrack(.video).ssrc
        let offered = try harness.offeredSSRC(.video)

        // The publisher's own numbers 500...509: the subscriber must not see them.
        for index in 0..<10 {
            var packet = RTPPacket(
                payloadType: 96, sequenceNumber: UInt16(3000 + index), timestamp: UInt32(index) * 3000, ssrc: ssrc,
                payload: ForwardingLoopbackTests.vp8Keyframe)
            try packet.setExtension(id: publisherID, value: [0x01, 0xF4 + UInt8(index)])
            let bytes = try packet.encode()
            try await onLoop(harness.publisher) {
                var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                harness.publisher.sendRTP(buffer)
            }
        }
        var numbers: [UInt16] = []
        try await waitUntil("10 packets at the subscriber") {
            numbers = try await onLoop(harness.subscriber) {
                harness.subscriberMedia.rtp.compactMap { packet -> UInt16? in
                    guard let parsed = try? RTPPacket(parsing: packet.bytes), parsed.ssrc == offered,
                          let value = parsed.extensionValue(id: subscriberID), value.count == 2
                    else { return nil }
                    return UInt16(value[0]) << 8 | UInt16(value[1])
                }
            }
            return numbers.count >= 10
        }
        // One sequence of the node's, from 1, consecutive: nothing else went to this subscriber.
        #expect(numbers == Array(1...UInt16(numbers.count)), "\(numbers)")

        // The subscriber reports 1...10 received 5 ms apart.
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 0xABCD, mediaSSRC: offered, feedbackPacketCount: 0, baseSequenceNumber: 1,
            arrivals: (0..<10).map { Int64?(Int64(1_000_000 + $0 * 5_000)) })
        let encoded = try RTCPPacket.encodeCompound([.transportWideFeedback(feedback)])
        try await onLoop(harness.subscriber) {
            var buffer = ByteBufferAllocator().buffer(capacity: encoded.count)
            buffer.writeBytes(encoded)
            harness.subscriber.sendRTCP(buffer)
        }
        let transportId = harness.subscription.transportId
        try await waitUntil("the node read the feedback") {
            try await harness.onNode {
                harness.manager.registry.subscribers[transportId]?.bandwidth.estimator.feedbackCount == 1
            }
        }
        #expect(try await harness.onNode { harness.manager.registry.subscribers[transportId]?.bandwidth.hasFeedback } == true)
        try await harness.shutdown()
    }
}
