import Foundation
import Testing
@testable import MeetStorage

/// ``S3Client`` against a real S3 API server: the moto server scripts/test
/// starts on loopback (`MEET_TEST_S3_ENDPOINT`). moto does not check
/// signatures; SigV4 is checked against AWS's examples in ``SigV4Tests``.
@Suite("S3 client")
struct S3ClientTests {
    static func client(partSize: Int = 5 << 20) throws -> S3Client? {
        guard let endpoint = ProcessInfo.processInfo.environment["MEET_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            Issue.record("MEET_TEST_S3_ENDPOINT is not set: run the tests through scripts/test")
            return nil
        }
        return try S3Client(
            configuration: S3Configuration(
                endpoint: endpoint, bucket: "meet-test-\(UUID().uuidString.prefix(8).lowercased())", accessKeyID: "test",
                secretAccessKey: "test", partSize: partSize))
    }

    static func bytes(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
    }

    @Test("a file above the part size goes up in parts, reads back byte-exact in ranges, and is deleted")
    func multipart() async throws {
        guard let s3 = try Self.client() else { return }
        try await s3.createBucket()
        try await s3.createBucket()  // again: fine
        let content = Self.bytes((11 << 20) + 12345)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("meet-s3-\(UUID()).webm").path
        try content.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        try await s3.upload(key: "abc-defg-hij/rec 1/seg0-p-video.webm", file: path, contentType: "video/webm")
        #expect(try await s3.size(key: "abc-defg-hij/rec 1/seg0-p-video.webm") == Int64(content.count))
        for range: ClosedRange<Int64> in [0...0, 0...99, 5_242_870...5_242_900, Int64(content.count - 10)...Int64(content.count - 1)] {
            let read = try await s3.read(key: "abc-defg-hij/rec 1/seg0-p-video.webm", range: range)
            #expect(read == content[Int(range.lowerBound)...Int(range.upperBound)])
        }
        try await s3.delete(key: "abc-defg-hij/rec 1/seg0-p-video.webm")
        #expect(try await s3.size(key: "abc-defg-hij/rec 1/seg0-p-video.webm") == nil)
        try await s3.delete(key: "abc-defg-hij/rec 1/seg0-p-video.webm")  // already gone: fine
    }

    @Test("a small file is one PUT; a missing key is notFound; keys that climb are refused")
    func small() async throws {
        guard let s3 = try Self.client() else { return }
        try await s3.createBucket()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("meet-s3-\(UUID()).webm").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await s3.upload(key: "m/r/a.webm", file: path, contentType: "audio/webm")
        #expect(try await s3.read(key: "m/r/a.webm", range: 1...3) == Data("ell".utf8))
        await #expect(throws: StorageError.notFound) { try await s3.read(key: "m/r/none.webm", range: 0...1) }
        await #expect(throws: StorageError.badKey("../x")) { try await s3.size(key: "../x") }
        await #expect(throws: StorageError.badKey("/x")) { try await s3.delete(key: "/x") }
    }

    @Test("an endpoint that does not answer is unavailable (retry later), not a crash or a hang")
    func unreachable() async throws {
        let s3 = try S3Client(
            configuration: S3Configuration(
                endpoint: "http://127.0.0.1:9", bucket: "b", accessKeyID: "k", secretAccessKey: "s", timeout: .seconds(5)))
        let error = await #expect(throws: StorageError.self) { try await s3.size(key: "k") }
        guard case .unavailable = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
    }
}
