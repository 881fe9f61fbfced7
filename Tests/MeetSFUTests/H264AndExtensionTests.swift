import MeetRTP
import Testing
@testable import MeetSFU

/// H.264 keyframe detection as the router uses it (RFC 6184 §5.4, §5.7.1,
/// §5.8), payload-type pinning, and header-extension id renumbering.
@Suite struct H264AndExtensionTests {
    let video: UInt32 = 0xC0C0

    /// NAL unit header: F=0, NRI=3, the type.
    static func nal(_ type: UInt8) -> UInt8 { 0x60 | type }

    static let idr: [UInt8] = [nal(5), 0x88, 0x84]
    static let sps: [UInt8] = [nal(7), 0x42, 0xE0, 0x1F]
    static let nonIDR: [UInt8] = [nal(1), 0x9A, 0x00]
    /// STAP-A (type 24) carrying SPS, PPS, IDR: each unit after a 16-bit size.
    static let stapA: [UInt8] = [nal(24), 0x00, 0x04] + sps + [0x00, 0x02, nal(8), 0xCE] + [0x00, 0x03] + idr
    /// STAP-A of two non-IDR slices.
    static let stapANonIDR: [UInt8] = [nal(24), 0x00, 0x03] + nonIDR + [0x00, 0x03] + nonIDR
    /// FU-A (type 28) fragments of an IDR: start (S bit), middle.
    static let fuAStart: [UInt8] = [nal(28), 0x80 | 5, 0x11, 0x22]
    static let fuAMiddle: [UInt8] = [nal(28), 0x05, 0x33, 0x44]
    static let fuAStartNonIDR: [UInt8] = [nal(28), 0x80 | 1, 0x11]

    @Test(arguments: [
        (idr, true), (sps, true), (nonIDR, false), (stapA, true), (stapANonIDR, false),
        (fuAStart, true), (fuAMiddle, false), (fuAStartNonIDR, false), ([], false), ([nal(24), 0xFF], false),
    ])
    func h264Keyframes(payload: [UInt8], keyframe: Bool) {
        let codec = TrackConfiguration.Codec.h264
        #expect(payload.withUnsafeBytes { codec.isKeyframe(payload: $0) } == keyframe)
    }

    /// A new H.264 down-track waits for the first keyframe: delta slices and
    /// a middle FU-A fragment are held back, the FU-A start of an IDR opens it.
    @Test func h264DownTrackStartsOnTheIDRFragment() {
        let clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 4)
        router.addTrack(TrackConfiguration(ssrc: video, codec: .h264, payloadType: 102))
        let joined = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 9, payloadType: 125, now: clock.now)
        #expect(joined.added && joined.requestKeyframe)
        let batch = PacketBatch(capacity: 4)
        let held = router.route(rtp(seq: 10, ts: 0, ssrc: video, pt: 102, payload: Self.nonIDR), now: clock.now, batch: batch)
        #expect(held.forwarded == 0)
        #expect(router.route(rtp(seq: 11, ts: 0, ssrc: video, pt: 102, payload: Self.fuAMiddle), now: clock.now, batch: batch).forwarded == 0)
        #expect(router.route(rtp(seq: 12, ts: 3000, ssrc: video, pt: 102, payload: Self.fuAStart), now: clock.now, batch: batch).forwarded == 1)
        #expect(router.route(rtp(seq: 13, ts: 3000, ssrc: video, pt: 102, payload: Self.fuAMiddle), now: clock.now, batch: batch).forwarded == 1)
        let out = headers(in: batch)
        #expect(out.map(\.header.payloadType) == [125, 125])
        #expect(out.map(\.header.sequenceNumber) == [12, 13])
    }

    /// A track pinned to a payload type drops other payload types (the node
    /// then re-registers the track with the codec the new type names).
    @Test func otherPayloadTypeIsNotForwarded() {
        let clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 4)
        router.addTrack(TrackConfiguration(ssrc: 0xA1, codec: .opus, payloadType: 111))
        _ = router.addDownTrack(publisherSSRC: 0xA1, subscriber: 1, ssrc: 5, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: 0xA1, pt: 111), now: clock.now, batch: batch).forwarded == 1)
        #expect(router.route(rtp(seq: 2, ts: 960, ssrc: 0xA1, pt: 0), now: clock.now, batch: batch).drop == .otherPayloadType)
        #expect(batch.count == 1)
    }

    @Test func extensionTableIsNilWhenBothSidesAgree() {
        #expect(ExtensionIDTable(publisher: ["mid": 1, "abs": 3], subscriber: ["mid": 1, "abs": 3, "x": 2]) == nil)
    }

    /// RFC 8285 §4.2 one-byte elements: ids renumbered by URI, unknown ones
    /// become the unused id, lengths and padding untouched.
    @Test func extensionIDsAreRenumberedInPlace() throws {
        let table = try #require(ExtensionIDTable(publisher: ["mid": 4, "abs": 2, "level": 1], subscriber: ["mid": 1, "abs": 3]))
        #expect(table.map(4) == 1 && table.map(2) == 3 && table.map(1) == ExtensionIDTable.unusedID)
        var packet: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7]
        // Profile 0xBEDE, 3 words: mid (id 4, 1 byte), abs (id 2, 3 bytes), level (id 1, 1 byte), padding.
        packet += [0xBE, 0xDE, 0x00, 0x03, 0x40, 0x30, 0x22, 0x01, 0x02, 0x03, 0x10, 0x7F, 0x00, 0x00, 0x00, 0x00]
        packet += [0xAB]
        packet.withUnsafeMutableBytes { table.apply(to: $0) }
        #expect(packet[16] == 0x10 && packet[17] == 0x30)
        #expect(packet[18] == 0x32 && Array(packet[19...21]) == [1, 2, 3])
        #expect(packet[22] == 0xE0 && packet[23] == 0x7F)
        #expect(packet.last == 0xAB)
    }

    /// Truncated or odd extension blocks are left alone, never read past the end.
    @Test func malformedExtensionBlocksAreLeftAlone() throws {
        let table = try #require(ExtensionIDTable(publisher: ["mid": 4], subscriber: ["mid": 1]))
        for packet in [[0x90, 0x60, 0, 1], [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0xBE, 0xDE, 0xFF, 0xFF, 0x4F]] as [[UInt8]] {
            var copy = packet
            copy.withUnsafeMutableBytes { table.apply(to: $0) }
            #expect(copy.count == packet.count)
        }
    }
}
