import Foundation
import Logging
import Testing

@testable import MeetRecorder

/// The composite (docs/dev/recording.md, "Composite"): the plan's grid,
/// cells and timeline (sans-I/O), and a real run of Debian's ffmpeg over
/// per-track WebM files into one MP4.
@Suite struct CompositePlanTests {
    typealias Input = CompositePlan.Input

    @Test func gridsAreAsSquareAsTheyGet() {
        #expect(CompositePlan.grid(1) == (1, 1))
        #expect(CompositePlan.grid(2) == (2, 1))
        #expect(CompositePlan.grid(4) == (2, 2))
        #expect(CompositePlan.grid(5) == (3, 2))
        #expect(CompositePlan.grid(9) == (3, 3))
    }

    @Test func aPublishersCameraKeepsItsCellAcrossSegmentsAndAScreenShareGetsAnother() {
        let plan = CompositePlan(inputs: [
            Input(path: "/a-cam-seg0", isVideo: true, participant: "a", offsetMilliseconds: 0, durationMilliseconds: 10_000),
            Input(path: "/b-cam", isVideo: true, participant: "b", offsetMilliseconds: 500, durationMilliseconds: 20_000),
            Input(path: "/a-screen", isVideo: true, participant: "a", offsetMilliseconds: 2_000, durationMilliseconds: 3_000),
            Input(path: "/a-cam-seg1", isVideo: true, participant: "a", offsetMilliseconds: 12_000, durationMilliseconds: 8_000),
            Input(path: "/a-mic", isVideo: false, participant: "a", offsetMilliseconds: 0, durationMilliseconds: 20_000),
            Input(path: "/empty", isVideo: true, participant: "c", offsetMilliseconds: 0, durationMilliseconds: 0),
        ])
        // Inputs by time (the empty file is left out): a-cam-seg0, a-mic, b-cam, a-screen, a-cam-seg1.
        #expect(plan.inputs.map(\.path) == ["/a-cam-seg0", "/a-mic", "/b-cam", "/a-screen", "/a-cam-seg1"])
        #expect(plan.cells == [0, 1, 2, 0])
        #expect(plan.durationMilliseconds == 20_500)
    }

    @Test func eachInputIsShiftedToItsPlaceAndTheAudioIsMixed() throws {
        let plan = CompositePlan(inputs: [
            Input(path: "/v1.webm", isVideo: true, participant: "a", offsetMilliseconds: 1_000, durationMilliseconds: 4_000),
            Input(path: "/a1.webm", isVideo: false, participant: "a", offsetMilliseconds: 1_040, durationMilliseconds: 4_000),
            Input(path: "/v2.webm", isVideo: true, participant: "b", offsetMilliseconds: 3_500, durationMilliseconds: 3_000),
            Input(path: "/a2.webm", isVideo: false, participant: "b", offsetMilliseconds: 3_500, durationMilliseconds: 3_000),
        ])
        let arguments = try #require(plan.arguments(output: "/out.mp4.part"))
        #expect(arguments.filter { $0 == "-i" }.count == 4)
        let graph = try #require(arguments.firstIndex(of: "-filter_complex").map { arguments[$0 + 1] })
        // Times count from the first media (1 s): v1 at 0, a1 40 ms later, b's at 2.5 s.
        #expect(graph.contains("color=c=black:s=1280x720:r=25:d=5.500[base0]"))
        #expect(graph.contains("[0:v]setpts=PTS-STARTPTS+0.000/TB"))
        #expect(graph.contains("anullsrc=r=48000:cl=stereo:d=0.040[s1]"))
        #expect(graph.contains("[1:a]aresample=async=1:min_hard_comp=0.02:first_pts=0,aformat=sample_rates=48000:channel_layouts=stereo[r1]"))
        #expect(graph.contains("[s1][r1]concat=n=2:v=0:a=1[a1]"))
        // At the same time, inputs go by path: a2 is input 2, v2 input 3.
        #expect(graph.contains("[3:v]setpts=PTS-STARTPTS+2.500/TB"))
        #expect(graph.contains("anullsrc=r=48000:cl=stereo:d=2.500[s2]"))
        #expect(graph.contains("[s2][r2]concat=n=2:v=0:a=1[a2]"))
        // Two cells side by side, 640×720 each.
        #expect(graph.contains("scale=640:720:force_original_aspect_ratio=decrease"))
        #expect(graph.contains("overlay=x=0:y=0:eof_action=pass"))
        #expect(graph.contains("overlay=x=640:y=0:eof_action=pass"))
        #expect(graph.contains("[a1][a2]amix=inputs=2:duration=longest:normalize=0[aout]"))
        #expect(Array(arguments.suffix(7)) == ["-t", "5.500", "-movflags", "+faststart", "-f", "mp4", "/out.mp4.part"])
        #expect(CompositePlan(inputs: []).arguments(output: "/x") == nil)
    }

    /// Real per-track files (ffmpeg's own VP8 and Opus encoders, in WebM like
    /// the recorder's), the second publisher 1.5 s later: one MP4, H.264
    /// 1280×720 with AAC, as long as the two spans together.
    @Test func ffmpegMakesOnePlayableMP4() async throws {
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func make(_ name: String, _ arguments: [String]) throws -> String {
            let path = dir.appendingPathComponent(name).path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + arguments + [path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return path
        }
        let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-c:v", "libvpx", "-b:v", "200k", "-f", "webm"]
        let audio = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus", "-ar", "48000", "-ac", "2", "-f", "webm"]
        let inputs = [
            Input(path: try make("v1.webm", video), isVideo: true, participant: "a", offsetMilliseconds: 0, durationMilliseconds: 2_000),
            Input(path: try make("a1.webm", audio), isVideo: false, participant: "a", offsetMilliseconds: 0, durationMilliseconds: 2_000),
            Input(path: try make("v2.webm", video), isVideo: true, participant: "b", offsetMilliseconds: 1_500, durationMilliseconds: 2_000),
            Input(path: try make("a2.webm", audio), isVideo: false, participant: "b", offsetMilliseconds: 1_500, durationMilliseconds: 2_000),
        ]
        let made = try await CompositeMaker(ffmpeg: "ffmpeg", logger: Logger(label: "test")).make(CompositePlan(inputs: inputs), in: dir)
        #expect(made.path == dir.appendingPathComponent("composite.mp4").path)
        #expect(made.bytes > 0)
        #expect(!FileManager.default.fileExists(atPath: made.path + ".part"))
        let info = try TrackFileInfo(probing: made.path)
        #expect(info.codec == "h264")
        #expect(info.streams == 2)
        #expect((info.width, info.height) == (1280, 720))
        #expect(abs(info.durationMilliseconds - 3_500) <= 100)
    }

    @Test func aFailingFFmpegLeavesNoFileAndSaysWhy() async throws {
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = CompositePlan(inputs: [
            Input(path: dir.appendingPathComponent("missing.webm").path, isVideo: true, participant: "a", offsetMilliseconds: 0, durationMilliseconds: 1_000)
        ])
        await #expect(throws: CompositeMaker.Failure.self) {
            _ = try await CompositeMaker(ffmpeg: "ffmpeg", logger: Logger(label: "test")).make(plan, in: dir)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
