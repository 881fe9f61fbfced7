import Foundation
import MeetRTP
import Testing

@testable import MeetRecorder

/// H.264 out of RTP (RFC 6184): single NAL units, STAP-A, FU-A, losses,
/// reordering, the SPS's picture size; and ffmpeg's own H.264, packetized
/// here, written to Matroska through libavformat and read back.
@Suite struct H264AccessUnitAssemblerTests {
    /// A 320×240 SPS (Constrained Baseline, level 1.3) and PPS as x264 wrote them
    /// (`ffmpeg -f lavfi -i testsrc=size=320x240 -pix_fmt yuv420p -c:v libx264 -profile:v baseline`).
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x0D, 0xD9, 0x01, 0x41, 0xFB, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xC0, 0xF1, 0x42, 0xA4, 0x80]
    static let pps: [UInt8] = [0x68, 0xCB, 0x83, 0xCB, 0x20]
    static let idr: [UInt8] = [0x65] + [UInt8](repeating: 0x88, count: 30)
    static func slice(_ fill: UInt8) -> [UInt8] { [0x41] + [UInt8](repeating: fill, count: 20) }

    static func packet(_ payload: [UInt8], sequence: UInt16, timestamp: UInt32, marker: Bool) -> RTPPacket {
        RTPPacket(marker: marker, payloadType: 102, sequenceNumber: sequence, timestamp: timestamp, ssrc: 7, payload: payload)
    }

    static func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x18] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }
    }

    /// `nal` in FU-A fragments of at most `chunk` bytes.
    static func fuA(_ nal: [UInt8], chunk: Int) -> [[UInt8]] {
        let body = Array(nal.dropFirst())
        return stride(from: 0, to: body.count, by: chunk).map { start in
            let end = min(start + chunk, body.count)
            let header = (start == 0 ? 0x80 : 0) | (end == body.count ? 0x40 : 0) | (nal[0] & 0x1F)
            return [(nal[0] & 0xE0) | 28, header] + body[start..<end]
        }
    }

    static func frames(_ outputs: [H264AccessUnitAssembler.Output]) -> [MediaFrame] {
        outputs.compactMap { output -> MediaFrame? in
            if case .frame(let frame) = output { return frame }
            return nil
        }
    }

    static func annexB(_ units: [[UInt8]]) -> [UInt8] { units.flatMap { [0, 0, 0, 1] + $0 } }

    /// The parser is MeetRTP's (`RTCCodecTests.H264SequenceParameterSetTests`);
    /// the recorder reads its size as a `VideoSize`.
    @Test func theSPSGivesThePictureSize() throws {
        let sps = try #require(H264SequenceParameterSet(parsing: Self.sps))
        #expect(sps.size == VideoSize(width: 320, height: 240))
        #expect(sps.profile == 66)
    }

    @Test func stapAAndFuABecomeOneAccessUnitPerPictureInAnnexB() {
        var assembler = H264AccessUnitAssembler()
        var out: [H264AccessUnitAssembler.Output] = []
        // Picture 1: SPS+PPS in a STAP-A, the IDR in three FU-A fragments.
        out += assembler.append(Self.packet(Self.stapA([Self.sps, Self.pps]), sequence: 1, timestamp: 3000, marker: false), timestamp: 3000)
        let fragments = Self.fuA(Self.idr, chunk: 12)
        #expect(fragments.count == 3)
        for (index, fragment) in fragments.enumerated() {
            out += assembler.append(Self.packet(fragment, sequence: UInt16(2 + index), timestamp: 3000, marker: index == 2), timestamp: 3000)
        }
        // Picture 2: one slice as a single NAL unit.
        out += assembler.append(Self.packet(Self.slice(1), sequence: 5, timestamp: 6000, marker: true), timestamp: 6000)
        let frames = Self.frames(out)
        #expect(frames.count == 2)
        #expect(frames[0].isKeyframe && frames[0].videoSize == VideoSize(width: 320, height: 240))
        #expect(frames[0].data == Self.annexB([Self.sps, Self.pps, Self.idr]))
        #expect(frames[0].rtpTimestamp == 3000)
        #expect(!frames[1].isKeyframe && frames[1].data == Self.annexB([Self.slice(1)]))
        #expect(assembler.parameterSets == Self.annexB([Self.sps, Self.pps]))
        #expect(assembler.droppedFrames == 0)
    }

    @Test func nothingBeforeTheFirstIDRAndAnIDRWithoutParameterSetsGetsThemPrepended() {
        var assembler = H264AccessUnitAssembler()
        // A slice first: dropped, keyframe asked for once.
        let first = assembler.append(Self.packet(Self.slice(1), sequence: 1, timestamp: 0, marker: true), timestamp: 0)
        #expect(first == [.needKeyframe])
        // Parameter sets on their own, then the IDR alone in the next picture.
        _ = assembler.append(Self.packet(Self.sps, sequence: 2, timestamp: 3000, marker: false), timestamp: 3000)
        _ = assembler.append(Self.packet(Self.pps, sequence: 3, timestamp: 3000, marker: true), timestamp: 3000)
        let idr = Self.frames(assembler.append(Self.packet(Self.idr, sequence: 4, timestamp: 6000, marker: true), timestamp: 6000))
        #expect(idr.count == 1 && idr[0].isKeyframe)
        #expect(idr[0].data == Self.annexB([Self.sps, Self.pps, Self.idr]))
        #expect(assembler.droppedFrames == 2)  // the slice, and the picture of parameter sets alone
    }

    @Test func aLostFragmentDropsThePictureAndEverythingUntilTheNextIDR() {
        var assembler = H264AccessUnitAssembler()
        _ = assembler.append(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), sequence: 1, timestamp: 0, marker: true), timestamp: 0)
        let fragments = Self.fuA([0x41] + [UInt8](repeating: 7, count: 40), chunk: 15)
        // The middle fragment is lost: the reorder buffer says so before the last one.
        _ = assembler.append(Self.packet(fragments[0], sequence: 2, timestamp: 3000, marker: false), timestamp: 3000)
        #expect(assembler.lost() == [.needKeyframe])
        _ = assembler.append(Self.packet(fragments[2], sequence: 4, timestamp: 3000, marker: true), timestamp: 3000)
        // The next inter picture is no use either; the next IDR is.
        #expect(Self.frames(assembler.append(Self.packet(Self.slice(2), sequence: 5, timestamp: 6000, marker: true), timestamp: 6000)).isEmpty)
        let idr = Self.frames(assembler.append(Self.packet(Self.idr, sequence: 6, timestamp: 9000, marker: true), timestamp: 9000))
        #expect(idr.count == 1 && idr[0].isKeyframe)
        #expect(!assembler.isWaitingForKeyframe)
    }

    @Test func aFragmentWithoutItsStartAndMalformedAggregatesBreakThePicture() {
        var assembler = H264AccessUnitAssembler()
        _ = assembler.append(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), sequence: 1, timestamp: 0, marker: true), timestamp: 0)
        let fragments = Self.fuA(Self.slice(3), chunk: 8)
        // Its start never came (no loss reported: e.g. a sender bug): nothing written.
        #expect(Self.frames(assembler.append(Self.packet(fragments[1], sequence: 2, timestamp: 3000, marker: true), timestamp: 3000)).isEmpty)
        // A STAP-A whose size runs past the packet, and an FU-B (type 29).
        var bad = H264AccessUnitAssembler()
        #expect(Self.frames(bad.append(Self.packet([0x18, 0x00, 0x40, 0x67], sequence: 1, timestamp: 0, marker: true), timestamp: 0)).isEmpty)
        #expect(Self.frames(bad.append(Self.packet([0x1D, 0x85, 1, 2], sequence: 2, timestamp: 3000, marker: true), timestamp: 3000)).isEmpty)
        #expect(bad.droppedFrames == 2)
    }

    @Test func reorderedPacketsAreAssembledInSequenceOrder() {
        var recorder = TrackRecorder(codec: .h264, originMicroseconds: 0)
        let fragments = Self.fuA(Self.idr, chunk: 10)
        var packets = [Self.packet(Self.stapA([Self.sps, Self.pps]), sequence: 10, timestamp: 90_000, marker: false)]
        for (index, fragment) in fragments.enumerated() {
            packets.append(Self.packet(fragment, sequence: UInt16(11 + index), timestamp: 90_000, marker: index == fragments.count - 1))
        }
        packets.append(Self.packet(Self.slice(4), sequence: UInt16(11 + fragments.count), timestamp: 93_000, marker: true))
        packets.append(Self.packet(Self.slice(5), sequence: UInt16(12 + fragments.count), timestamp: 96_000, marker: true))
        // Arrival order: swapped pairs.
        var arrival = packets
        arrival.swapAt(1, 2)
        arrival.swapAt(3, 4)
        var actions: [TrackRecorder.Action] = []
        for (index, packet) in arrival.enumerated() { actions += recorder.receive(packet, now: Int64(index) * 1000) }
        actions += recorder.finish(now: 100_000)
        let written = RecorderFixtures.writes(actions)
        #expect(written.count == 3)
        #expect(written.first?.frame.data == Self.annexB([Self.sps, Self.pps, Self.idr]))
        #expect(written.map(\.frame.isKeyframe) == [true, false, false])
        #expect(recorder.videoSize == VideoSize(width: 320, height: 240))
    }

    /// ffmpeg's libx264 (Annex B), cut into RFC 6184 packets here (parameter
    /// sets in a STAP-A, big slices in FU-A), through TrackRecorder and
    /// TrackWriter into Matroska: every picture there, 320×240, H.264.
    @Test func ffmpegsH264BecomesAMatroskaFileWithEveryPicture() throws {
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("in.h264").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2",
                             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-profile:v", "baseline", "-g", "30", "-bf", "0", "-f", "h264", raw]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stream = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        let units = AnnexB.units(stream).map(Array.init)
        // Access units: a picture ends with each slice (one slice per picture, baseline); SEI, SPS, PPS go with the next.
        var packets: [RTPPacket] = []
        var sequence: UInt16 = 100
        var timestamp: UInt32 = 1000
        var pending: [[UInt8]] = []
        var pictures = 0
        for nal in units {
            let type = nal[0] & 0x1F
            guard type == 1 || type == 5 else {
                pending.append(nal)
                continue
            }
            if !pending.isEmpty {
                packets.append(Self.packet(Self.stapA(pending), sequence: sequence, timestamp: timestamp, marker: false))
                sequence &+= 1
                pending = []
            }
            let pieces = nal.count > 1000 ? Self.fuA(nal, chunk: 1000) : [nal]
            for (index, piece) in pieces.enumerated() {
                packets.append(Self.packet(piece, sequence: sequence, timestamp: timestamp, marker: index == pieces.count - 1))
                sequence &+= 1
            }
            timestamp &+= 3000
            pictures += 1
        }
        #expect(pictures == 60)
        #expect(packets.contains { $0.payload.first.map { $0 & 0x1F == 28 } ?? false })
        let path = dir.appendingPathComponent("v.mkv").path
        var recorder = TrackRecorder(codec: .h264, originMicroseconds: 0)
        let writer = TrackWriter(path: path, codec: .h264)
        var actions: [TrackRecorder.Action] = []
        for (index, packet) in packets.enumerated() { actions += recorder.receive(packet, now: Int64(index) * 500) }
        actions += recorder.finish(now: Int64(packets.count) * 500)
        for write in RecorderFixtures.writes(actions) {
            try writer.write(write.frame, presentationMilliseconds: write.pts, durationMilliseconds: write.duration)
        }
        #expect(try writer.finish())
        let info = try TrackFileInfo(probing: path)
        #expect(info.codec == "h264")
        #expect(info.format.contains("matroska"))
        #expect((info.width, info.height) == (320, 240))
        #expect(info.packets == 60)
        #expect(info.keyframes == 2)
        // ffmpeg decodes it without an error.
        let decode = Process()
        decode.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        decode.arguments = ["ffmpeg", "-hide_banner", "-v", "error", "-xerror", "-i", path, "-f", "null", "-"]
        try decode.run()
        decode.waitUntilExit()
        #expect(decode.terminationStatus == 0)
    }

}
