import Logging
@testable import MeetRTC
import MeetRTP
import NIOCore
import Testing

/// ``RTPReceiver`` learning simulcast SSRCs from the RtpStreamId and
/// RepairedRtpStreamId header extensions (RFC 8852), as a browser sends
/// them: no `a=ssrc`, each layer's first packets carry mid and RID.
@Suite("RTPReceiver simulcast")
struct RTPReceiverSimulcastTests {
    static let ids = RTPReceiver.ExtensionIDs(mid: 4, rid: 10, repairedRid: 11)
    let logger = Logger(label: "test")

    static let vp8 = CodecModel(payloadType: 96, name: "VP8", clockRate: 90_000)
    static let video = RemoteTrack(mid: "1", kind: .video, ssrcs: [], codecs: [vp8], rids: ["q", "h", "f"])
    static let audio = RemoteTrack(
        mid: "0", kind: .audio, ssrcs: [1001], codecs: [CodecModel(payloadType: 111, name: "opus", clockRate: 48_000, channels: 2)])

    func packet(ssrc: UInt32, mid: String? = "1", rid: String? = nil, repairedRid: String? = nil, payloadType: UInt8 = 96) -> ByteBuffer {
        var packet = RTPPacket(payloadType: payloadType, sequenceNumber: 1, timestamp: 1, ssrc: ssrc, payload: [0x90, 0, 0])
        if let mid { try! packet.setExtension(id: 4, value: Array(mid.utf8)) }
        if let rid { try! packet.setExtension(id: 10, value: Array(rid.utf8)) }
        if let repairedRid { try! packet.setExtension(id: 11, value: Array(repairedRid.utf8)) }
        return ByteBuffer(bytes: try! packet.encode())
    }

    func expectMatch(
        _ receiver: inout RTPReceiver, _ packet: ByteBuffer, _ expected: RTPReceiver.Match,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let match = receiver.match(packet, logger: logger)
        #expect(match == expected, sourceLocation: sourceLocation)
    }

    func receiver(_ tracks: [RemoteTrack] = [audio, video]) -> RTPReceiver {
        var receiver = RTPReceiver()
        receiver.start(tracks: tracks, extensionIDs: Self.ids)
        return receiver
    }

    @Test("each layer's SSRC is learnt from its RID, and later packets without extensions follow the SSRC")
    func learnsLayers() {
        var receiver = receiver()
        for (ssrc, rid) in [(11 as UInt32, "q"), (12, "h"), (13, "f")] {
            expectMatch(&receiver, packet(ssrc: ssrc, rid: rid), .track(Self.video))
            #expect(receiver.layer(ofSSRC: ssrc) == .init(mid: "1", rid: rid, repaired: false))
        }
        // libwebrtc stops sending mid and RID once the stream is acknowledged.
        expectMatch(&receiver, packet(ssrc: 12, mid: nil), .track(Self.video))
        expectMatch(&receiver, packet(ssrc: 1001, mid: nil, payloadType: 111), .track(Self.audio))
        #expect(receiver.layer(ofSSRC: 1001) == nil)
    }

    @Test("RTX is learnt from the repaired RID as that layer's repair stream")
    func learnsRepairStream() {
        var receiver = receiver()
        expectMatch(&receiver, packet(ssrc: 21, repairedRid: "h", payloadType: 97), .track(Self.video))
        #expect(receiver.layer(ofSSRC: 21) == .init(mid: "1", rid: "h", repaired: true))
    }

    @Test("a RID the section did not negotiate, or none, is refused and never learnt")
    func unknownRIDRefused() {
        var receiver = receiver()
        expectMatch(&receiver, packet(ssrc: 31, rid: "x"), .unknownRID)
        expectMatch(&receiver, packet(ssrc: 32), .unknownRID)
        #expect(receiver.trackBySSRC[31] == nil && receiver.trackBySSRC[32] == nil)
        // No mid: the RID alone names the one section that negotiated it.
        expectMatch(&receiver, packet(ssrc: 33, mid: nil, rid: "f"), .track(Self.video))
    }

    @Test("bounded: a layer holds one SSRC; a new one replaces (and retires) the old, whatever a peer sprays")
    func boundedPerLayer() {
        var receiver = receiver()
        for ssrc in UInt32(100)..<UInt32(200) {
            expectMatch(&receiver, packet(ssrc: ssrc, rid: ["q", "h", "f"][Int(ssrc) % 3]), .track(Self.video))
        }
        #expect(receiver.layers.layerBySSRC.count == 3)
        #expect(receiver.trackBySSRC.count == 1 + 3)
        // A replaced SSRC is not learnt again.
        expectMatch(&receiver, packet(ssrc: 100, rid: "h"), .unmatched)
        #expect(receiver.retiredSSRCs.contains(100))
    }

    @Test("a renegotiation that drops a RID retires its SSRC; the others keep theirs")
    func renegotiationDropsLayer() {
        var receiver = receiver()
        _ = receiver.match(packet(ssrc: 11, rid: "q"), logger: logger)
        _ = receiver.match(packet(ssrc: 13, rid: "f"), logger: logger)
        var fewer = Self.video
        fewer.rids = ["q", "h"]
        let changed = receiver.renegotiate(tracks: [Self.audio, fewer], extensionIDs: Self.ids)
        #expect(changed)
        expectMatch(&receiver, packet(ssrc: 11, mid: nil), .track(fewer))
        expectMatch(&receiver, packet(ssrc: 13, rid: "f"), .unmatched)
        #expect(receiver.layer(ofSSRC: 13) == nil)
    }
}
