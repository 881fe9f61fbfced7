import MeetRTC
import MeetRTCP
import NIOCore
import Testing

/// Forwarding feedback upstream: NACK, PLI and FIR re-pointed at the sender's
/// SSRC; everything else left out. Checked with MeetRTCP as the parser.
@Suite("RTCPFeedbackRewriter")
struct RTCPFeedbackRewriterTests {
    func compound(_ packets: [RTCPPacket]) throws -> ByteBuffer {
        ByteBuffer(bytes: try RTCPPacket.encodeCompound(packets))
    }

    @Test("PLI, FIR and NACK about a mapped SSRC come out rewritten; reports and REMB do not")
    func rewritesFeedback() throws {
        let input = try compound([
            .receiverReport(RTCPReceiverReport(ssrc: 1, reports: [])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 100)),
            .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 100, sequenceNumber: 7)])),
            .nack(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 100, lost: [10, 12])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 999)),
            .receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 500_000, ssrcs: [100])),
        ])
        let output = try #require(RTCPFeedbackRewriter.rewrite(input, mediaSSRCs: [100: 555]))
        let packets = try RTCPPacket.parseCompound(output)
        #expect(packets == [
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 555)),
            .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 555, sequenceNumber: 7)])),
            .nack(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 555, lost: [10, 12])),
        ])
    }

    @Test("nothing to forward gives nil; truncated and garbage input never traps")
    func nothingAndGarbage() throws {
        let report = try compound([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: []))])
        #expect(RTCPFeedbackRewriter.rewrite(report, mediaSSRCs: [1: 2]) == nil)
        let pli = try compound([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 100))])
        for cut in 0..<pli.readableBytes {
            #expect(RTCPFeedbackRewriter.rewrite(pli.getSlice(at: 0, length: cut)!, mediaSSRCs: [100: 5]) == nil)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = RTCPFeedbackRewriter.rewrite(ByteBuffer(bytes: bytes), mediaSSRCs: [100: 5])
        }
    }
}
