import Foundation
import Logging
import MeetProtocol
import MeetStorage
import NIOConcurrencyHelpers
import Testing

@testable import MeetRecorder

/// The composite when earlier files are in S3 only (docs/dev/recording.md,
/// "Composite"): a recorder that took over after a failover composes
/// segment 0, uploaded to S3 and deleted locally by the recorder before it,
/// together with its own segment 1. Against the moto server scripts/test
/// starts (`MEET_TEST_S3_ENDPOINT`), with ranges much smaller than the
/// files so each is fetched in pieces.
@Suite("Composite inputs from S3", .serialized)
struct CompositeDownloadsTests {
    typealias Input = CompositePlan.Input

    /// The composite's statements only: the inputs given, the composite kept.
    final class Inputs: RecordingMetadata, Sendable {
        let inputs: [Input]
        let made = NIOLockedValueBox<CompositeMaker.Made?>(nil)
        init(_ inputs: [Input]) { self.inputs = inputs }
        func began(_ job: RecordingJob, recorderId: String) async throws {}
        func ended(_ recordingId: UUID, recorderId: String, reason: RecorderJobs.EndReason) async throws {}
        func recorded(_ files: [RecordedFile], recordingId: UUID, segment: Int) async throws {}
        func uploaded(recordingId: UUID, path: String, key: String) async throws -> Bool { true }
        func pendingUploads(under root: String) async throws -> [RecordingUploader.Upload] { [] }
        func compositeInputs(_ recordingId: UUID) async throws -> [Input] { inputs }
        func composed(_ made: CompositeMaker.Made, recordingId: UUID) async throws { self.made.withLockedValue { $0 = made } }
    }

    static func client() throws -> S3Client? {
        guard let endpoint = ProcessInfo.processInfo.environment["MEET_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            Issue.record("MEET_TEST_S3_ENDPOINT is not set: run the tests through scripts/test")
            return nil
        }
        return try S3Client(
            configuration: S3Configuration(
                endpoint: endpoint, bucket: "meet-test-\(UUID().uuidString.prefix(8).lowercased())", accessKeyID: "test",
                secretAccessKey: "test"))
    }

    static func ffmpeg(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + arguments + [path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// Segment 0 (0-2 s) uploaded and gone locally, segment 1 (2.5-4.5 s) on disk.
    static func files(in dir: URL, s3: S3Client) async throws -> [Input] {
        let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-c:v", "libvpx", "-b:v", "300k", "-f", "webm"]
        let audio = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus", "-ar", "48000", "-f", "webm"]
        var inputs: [Input] = []
        for (segment, offset) in [(0, Int64(0)), (1, Int64(2_500))] {
            for (kind, arguments) in [("video", video), ("audio", audio)] {
                let name = "seg\(segment)-p-\(kind).webm"
                let path = dir.appendingPathComponent(name).path
                try Self.ffmpeg(path, arguments)
                var input = Input(path: path, isVideo: kind == "video", participant: "p", offsetMilliseconds: offset, durationMilliseconds: 2_000)
                if segment == 0 {
                    let key = "abc-defg-hij/rec/\(name)"
                    try await s3.upload(key: key, file: path, contentType: "video/webm")
                    try FileManager.default.removeItem(atPath: path)
                    (input.path, input.objectKey) = ("", key)
                }
                inputs.append(input)
            }
        }
        return inputs
    }

    @Test("segments already in S3 are downloaded into the composite, and the scratch folder goes")
    func earlierSegmentsInS3() async throws {
        guard let s3 = try Self.client() else { return }
        try await s3.createBucket()
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = try await Self.files(in: dir, s3: s3)
        let logger = Logger(label: "test")

        let rows = Inputs(inputs)
        let finisher = RecordingFinisher(
            metadata: rows, maker: CompositeMaker(ffmpeg: "ffmpeg", logger: logger), uploader: nil, root: dir.path, logger: logger,
            downloads: CompositeDownloads(objects: s3, chunkSize: 16 << 10, logger: logger))
        await finisher.finish(.init(recordingId: UUID(), directory: dir, stopped: true, uploads: []))

        let made = try #require(rows.made.withLockedValue { $0 })
        let info = try TrackFileInfo(probing: made.path)
        #expect(info.streams == 2)
        // From segment 0's start to segment 1's end: both segments are in it.
        #expect(abs(info.durationMilliseconds - 4_500) <= 150, "\(info.durationMilliseconds) ms")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!left.contains { $0.hasPrefix(".composite-inputs") }, "\(left)")
        #expect(!left.contains("seg0-p-video.webm"))
    }

    @Test("without S3 configured, files listed in S3 are left out rather than failing the composite")
    func withoutS3TheyAreLeftOut() async throws {
        guard let s3 = try Self.client() else { return }
        try await s3.createBucket()
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Inputs(try await Self.files(in: dir, s3: s3))
        let logger = Logger(label: "test")
        let finisher = RecordingFinisher(
            metadata: rows, maker: CompositeMaker(ffmpeg: "ffmpeg", logger: logger), uploader: nil, root: dir.path, logger: logger)
        await finisher.finish(.init(recordingId: UUID(), directory: dir, stopped: true, uploads: []))
        let made = try #require(rows.made.withLockedValue { $0 })
        #expect(abs(try TrackFileInfo(probing: made.path).durationMilliseconds - 2_000) <= 150)
    }

    @Test("an object the store does not have fails the download with its key")
    func missingObject() async throws {
        guard let s3 = try Self.client() else { return }
        try await s3.createBucket()
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Input(path: "", isVideo: true, participant: "p", offsetMilliseconds: 0, durationMilliseconds: 1_000, objectKey: "no/such.webm")
        let downloads = CompositeDownloads(objects: s3, tries: 1, logger: Logger(label: "test"))
        await #expect(throws: CompositeDownloads.Failure.missing(key: "no/such.webm")) {
            try await downloads.localize([input], into: dir.appendingPathComponent("scratch"))
        }
    }
}
