import MeetRTP
import Testing

@testable import MeetRecorder

/// VP8 frames from RTP (RFC 7741): descriptors stripped, pictures joined,
/// broken pictures dropped until a keyframe, sizes read from keyframes.
@Suite struct VP8FrameAssemblerTests {
    static func frames(_ outputs: [VP8FrameAssembler.Output]) -> [MediaFrame] {
        outputs.compactMap { if case .frame(let f) = $0 { f } else { nil } }
    }

    @Test func aPictureSplitOverPacketsIsJoinedWithoutItsDescriptors() {
        var assembler = VP8FrameAssembler()
        let keyframe = RecorderFixtures.keyframe(width: 640, height: 360, bytes: 50)
        var out: [VP8FrameAssembler.Output] = []
        for packet in RecorderFixtures.vp8Packets(keyframe, sequence: 1, timestamp: 3000) { out += assembler.append(packet, timestamp: 3000) }
        let frames = Self.frames(out)
        #expect(frames.count == 1)
        #expect(frames.first?.data == keyframe)
        #expect(frames.first?.isKeyframe == true)
        #expect(frames.first?.videoSize == VideoSize(width: 640, height: 360))
    }

    @Test func theExtendedDescriptorIsStripped() {
        var assembler = VP8FrameAssembler()
        let keyframe = RecorderFixtures.keyframe(width: 320, height: 180)
        // X=1, I=1 with a 15-bit picture ID, L=1, T=1: 6 descriptor bytes.
        let packet = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1,
            payload: [0x90, 0xE0, 0x81, 0x23, 0x07, 0x40] + keyframe)
        #expect(Self.frames(assembler.append(packet, timestamp: 0)).first?.data == keyframe)
    }

    @Test func framesBeforeTheFirstKeyframeAreDroppedAndAKeyframeIsAskedForOnce() {
        var assembler = VP8FrameAssembler()
        var out: [VP8FrameAssembler.Output] = []
        for (index, ts) in [0, 3000].enumerated() {
            for packet in RecorderFixtures.vp8Packets(RecorderFixtures.interframe(), sequence: UInt16(index * 2), timestamp: UInt32(ts)) {
                out += assembler.append(packet, timestamp: Int64(ts))
            }
        }
        #expect(out == [.needKeyframe])
        #expect(assembler.droppedFrames == 2)
        #expect(assembler.isWaitingForKeyframe)
    }

    @Test func aLossDropsThePictureInProgressAndWhatFollowsUntilAKeyframe() {
        var assembler = VP8FrameAssembler()
        let keyframe = RecorderFixtures.keyframe(width: 640, height: 480, bytes: 40)
        for packet in RecorderFixtures.vp8Packets(keyframe, sequence: 0, timestamp: 0) { _ = assembler.append(packet, timestamp: 0) }
        // The first half of an inter frame, then a loss.
        let inter = RecorderFixtures.vp8Packets(RecorderFixtures.interframe(bytes: 40), sequence: 3, timestamp: 3000)
        #expect(assembler.append(inter[0], timestamp: 3000).isEmpty)
        #expect(assembler.lost() == [.needKeyframe])
        // A whole inter frame after the loss is dropped too: it references the lost one.
        var out: [VP8FrameAssembler.Output] = []
        for packet in RecorderFixtures.vp8Packets(RecorderFixtures.interframe(), sequence: 9, timestamp: 6000) { out += assembler.append(packet, timestamp: 6000) }
        #expect(Self.frames(out).isEmpty)
        // The next keyframe, at a new size, is written.
        let bigger = RecorderFixtures.keyframe(width: 1280, height: 720)
        out = []
        for packet in RecorderFixtures.vp8Packets(bigger, sequence: 11, timestamp: 9000) { out += assembler.append(packet, timestamp: 9000) }
        #expect(Self.frames(out).map(\.videoSize) == [VideoSize(width: 1280, height: 720)])
        #expect(assembler.droppedFrames == 2)
    }

    @Test func aPictureWhoseMarkerNeverCameEndsAtTheNextTimestamp() {
        var assembler = VP8FrameAssembler()
        var packets = RecorderFixtures.vp8Packets(RecorderFixtures.keyframe(width: 16, height: 16), sequence: 0, timestamp: 0)
        packets[packets.count - 1].marker = false
        var out: [VP8FrameAssembler.Output] = []
        for packet in packets { out += assembler.append(packet, timestamp: 0) }
        #expect(out.isEmpty)
        out = assembler.append(RecorderFixtures.vp8Packets(RecorderFixtures.interframe(), sequence: 9, timestamp: 3000)[0], timestamp: 3000)
        #expect(Self.frames(out).map(\.rtpTimestamp) == [0])
    }

    @Test func aPictureNotStartingAtPartitionZeroAndOversizedPicturesAreDropped() {
        var assembler = VP8FrameAssembler(maximumFrameBytes: 30)
        let noStart = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 0, timestamp: 0, ssrc: 1, payload: [0x00] + RecorderFixtures.keyframe(width: 8, height: 8))
        #expect(Self.frames(assembler.append(noStart, timestamp: 0)).isEmpty)
        var out: [VP8FrameAssembler.Output] = []
        for packet in RecorderFixtures.vp8Packets(RecorderFixtures.keyframe(width: 8, height: 8, bytes: 64), sequence: 1, timestamp: 3000) {
            out += assembler.append(packet, timestamp: 3000)
        }
        #expect(Self.frames(out).isEmpty)
        // Garbage payloads (an empty one, a descriptor with nothing after it) are drops, not crashes.
        for payload: [UInt8] in [[], [0x90], [0x10]] {
            let bad = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 9, timestamp: 6000, ssrc: 1, payload: payload)
            #expect(Self.frames(assembler.append(bad, timestamp: 6000)).isEmpty)
        }
        #expect(assembler.droppedFrames == 5)
    }

    @Test func keyframeSizeReadsTheFourteenBitFields() {
        // Scale bits (the top two) are not part of the size.
        var frame = RecorderFixtures.keyframe(width: 1920, height: 1080)
        frame[7] |= 0xC0
        #expect(VP8FrameAssembler.keyframeSize(frame) == VideoSize(width: 1920, height: 1080))
        #expect(VP8FrameAssembler.keyframeSize(RecorderFixtures.interframe()) == nil)
        #expect(VP8FrameAssembler.keyframeSize([0x10, 0, 0, 0x9D, 0x01]) == nil)
    }
}
