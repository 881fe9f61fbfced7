import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetRTP
import MeetSFU
import NIOCore
import Testing

@testable import MeetSFUNode

/// RTX toward subscribers (RFC 4588, #16 item 3) over loopback UDP with
/// MeetRTC clients: the node's offer pairs each video SSRC with an RTX SSRC
/// (`a=ssrc-group:FID`) and offers `rtx` per video codec; a subscriber
/// that takes it gets its NACKed packets on the RTX stream, numbered on the
/// transport-wide sequence; one that does not gets them as before.
@Suite("TransportManager: RTX retransmissions toward subscribers over loopback", .serialized)
struct RTXLoopbackTests {
    @Test("a subscriber that took RTX gets a NACKed packet on its RTX SSRC: OSN, its payload, a transport-wide number")
    func nackOverRTX() async throws {
        var taking = MediaPolicy()
        taking.acceptsRTX = true
        let harness = try await LoopbackHarness.connected(kinds: [.video], subscriberPolicy: taking)
        let offer = harness.subscription.offer
        #expect(offer.contains(" rtx/90000\r\n") && offer.contains("a=fmtp:97 apt=96\r\n"))
        let track = try #require(harness.offeredTracks.first { $0.kind == .video })
        #expect(track.ssrcs.count == 2)
        let (media, rtx) = (track.ssrcs[0], track.ssrcs[1])
        #expect(offer.contains("a=ssrc-group:FID \(media) \(rtx)\r\n"))
        let publisherID = try SubscriberBandwidthLoopbackTests.extensionID(of: MediaPolicy.transportCCURI, in: harness.published.answer)
        let subscriberID = try SubscriberBandwidthLoopbackTests.extensionID(of: MediaPolicy.transportCCURI, in: harness.subscription.offer)
        let ssrc = try harness.publisherTrack(.video).ssrc

        func send(_ sequence: UInt16) async throws {
            var packet = RTPPacket(
                payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) * 3000, ssrc: ssrc,
                payload: FeedbackLoopbackTests.keyframe(sequence))
            try packet.setExtension(id: publisherID, value: [0, 0])
            let bytes = try packet.encode()
            try await onLoop(harness.publisher) {
                var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                harness.publisher.sendRTP(buffer)
            }
        }
        func received() async throws -> [RTPPacket] {
            try await onLoop(harness.subscriber) { harness.subscriberMedia.rtp.compactMap { try? RTPPacket(parsing: $0.bytes) } }
        }
        var next: UInt16 = 2000
        try await waitUntil("3 media packets at the subscriber") {
            next &+= 1
            try await send(next)
            return try await received().filter { $0.ssrc == media }.count >= 3
        }
        let originals = try await received().filter { $0.ssrc == media }
        let wanted = originals[1]

        // The subscriber NACKs the second one by the number it knows.
        let nack = RTCPGenericNACK(senderSSRC: 0xABCD, mediaSSRC: media, lost: [wanted.sequenceNumber])
        try await onLoop(harness.subscriber) { harness.subscriber.sendRTCP(try FeedbackLoopbackTests.encode(.nack(nack))) }
        var repairs: [RTPPacket] = []
        try await waitUntil("the retransmission arrived on the RTX SSRC") {
            repairs = try await received().filter { $0.ssrc == rtx }
            return !repairs.isEmpty
        }
        let repair = try #require(repairs.first)
        #expect(repair.payloadType == 97)
        #expect(repair.timestamp == wanted.timestamp)
        #expect(repair.payload.count == wanted.payload.count + 2)
        #expect(UInt16(repair.payload[0]) << 8 | UInt16(repair.payload[1]) == wanted.sequenceNumber)
        #expect(Array(repair.payload.dropFirst(2)) == wanted.payload)
        // Numbered on the connection's transport-wide sequence, after the originals, each number once.
        func number(_ packet: RTPPacket) -> UInt16? {
            guard let value = packet.extensionValue(id: subscriberID), value.count == 2 else { return nil }
            return UInt16(value[0]) << 8 | UInt16(value[1])
        }
        let repairNumber = try #require(number(repair))
        let originalNumbers = originals.compactMap(number)
        #expect(originalNumbers.count == originals.count && originalNumbers.allSatisfy { $0 < repairNumber })
        let all = try await received().compactMap(number)
        #expect(Set(all).count == all.count)
        // Not repeated on the media stream.
        #expect(try await received().filter { $0.ssrc == media && $0.sequenceNumber == wanted.sequenceNumber }.count == 1)
        try await harness.shutdown()
    }
    // Without RTX taken (the default answer), NACKs are answered plainly:
    // FeedbackLoopbackTests.nackFromCache runs against this same offer with RTX.
}
