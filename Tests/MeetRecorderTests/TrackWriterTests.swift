import Foundation
import Testing

@testable import MeetRecorder

/// Per-track files through libavformat (CMeetMux), read back with libavformat.
@Suite struct TrackWriterTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("meet-recorder-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func opusGoesToWebMWithItsDuration() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.webm").path
        let writer = TrackWriter(path: path, codec: .opus)
        for index in 0..<150 {
            try writer.write(MediaFrame(data: [0xFC, 0xFF, 0xFE], rtpTimestamp: Int64(index * 960), isKeyframe: true),
                             presentationMilliseconds: Int64(500 + index * 20), durationMilliseconds: 20)
        }
        #expect(!FileManager.default.fileExists(atPath: path))  // only the .part until finished
        #expect(try writer.finish())
        let info = try TrackFileInfo(probing: path)
        #expect(info.codec == "opus")
        #expect(info.format.contains("webm"))
        #expect(info.sampleRate == 48_000)
        #expect(info.packets == 150)
        #expect(info.durationMilliseconds == 3_000)
        #expect(writer.durationMilliseconds == 3_000)
        #expect(!FileManager.default.fileExists(atPath: path + ".part"))
    }

    @Test func vp8GoesToWebMAtTheFirstKeyframesSizeAndTakesASizeChange() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v.webm").path
        let writer = TrackWriter(path: path, codec: .vp8)
        for index in 0..<60 {
            let isKey = index % 30 == 0
            let data = isKey ? RecorderFixtures.keyframe(width: index == 0 ? 640 : 320, height: index == 0 ? 480 : 240) : RecorderFixtures.interframe()
            let frame = MediaFrame(data: data, rtpTimestamp: Int64(index * 3000), isKeyframe: isKey, videoSize: VP8FrameAssembler.keyframeSize(data))
            try writer.write(frame, presentationMilliseconds: Int64(index * 33), durationMilliseconds: 33)
        }
        try writer.finish()
        let info = try TrackFileInfo(probing: path)
        #expect(info.codec == "vp8")
        #expect((info.width, info.height) == (640, 480))
        #expect(info.packets == 60)
        #expect(info.keyframes == 2)
        #expect(info.durationMilliseconds >= 59 * 33)
    }

    @Test func videoThatDoesNotStartWithAKeyframeIsRefusedAndAnUnwritableDirectoryIsAnError() throws {
        let writer = TrackWriter(path: "/nonexistent-dir/v.webm", codec: .vp8)
        #expect(throws: MuxError.self) {
            try writer.write(MediaFrame(data: RecorderFixtures.interframe(), rtpTimestamp: 0, isKeyframe: false), presentationMilliseconds: 0, durationMilliseconds: 33)
        }
        let frame = MediaFrame(data: RecorderFixtures.keyframe(width: 8, height: 8), rtpTimestamp: 0, isKeyframe: true, videoSize: VideoSize(width: 8, height: 8))
        #expect(throws: MuxError.self) { try writer.write(frame, presentationMilliseconds: 0, durationMilliseconds: 33) }
        #expect(try writer.finish() == false)
        #expect(throws: MuxError.self) { try TrackFileInfo(probing: "/nonexistent-dir/v.webm") }
    }
}
