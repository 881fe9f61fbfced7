import Foundation
import NIOCore
import Testing
@testable import MeetStorage

/// ``ObjectStore``: streamed writes to the directory and to S3 (chat
/// attachments), bounded to one part in memory, and nothing left behind
/// when the body fails part-way (over its limit, the client gone).
@Suite("Object store writes")
struct ObjectStoreTests {
    struct Cut: Error {}

    /// `content` as chunks of `chunk` bytes, then `Cut` when `failing`.
    static func body(_ content: Data, chunk: Int, failing: Bool = false) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            var offset = 0
            while offset < content.count {
                continuation.yield(ByteBuffer(bytes: content[offset..<min(offset + chunk, content.count)]))
                offset += chunk
            }
            continuation.finish(throwing: failing ? Cut() : nil)
        }
    }

    @Test("parts are cut at the part size whatever the chunks, the last one short, then empty")
    func parts() async throws {
        let content = S3ClientTests.bytes(15)
        var reader = PartReader(iterator: Self.body(content, chunk: 3).makeAsyncIterator(), partSize: 4)
        var parts: [Data] = []
        while true {
            let part = try await reader.next()
            if part.isEmpty { break }
            parts.append(part)
        }
        #expect(parts.map(\.count) == [4, 4, 4, 3])
        #expect(Data(parts.joined()) == content)
    }

    @Test("the directory store writes a streamed body whole, and leaves nothing of a failed one")
    func directory() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-objects-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = DirectoryStore(root: root)
        let content = S3ClientTests.bytes(100_000)
        #expect(try await store.write(key: "attachments/m/a", contentType: "text/plain", body: Self.body(content, chunk: 4096)) == 100_000)
        #expect(try await store.read(key: "attachments/m/a", range: 0...99_999) == content)
        await #expect(throws: Cut.self) {
            try await store.write(key: "attachments/m/b", contentType: "text/plain", body: Self.body(content, chunk: 4096, failing: true))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/attachments/m") == ["a"])
        await #expect(throws: StorageError.badKey("../x")) {
            try await store.write(key: "../x", contentType: "text/plain", body: Self.body(content, chunk: 10))
        }
    }

    @Test("S3: a streamed body above the part size goes up in parts; a failed one is aborted and absent")
    func s3() async throws {
        guard let s3 = try S3ClientTests.client() else { return }
        try await s3.createBucket()
        let content = S3ClientTests.bytes((5 << 20) + 777)
        #expect(try await s3.write(key: "attachments/m/big", contentType: "application/pdf", body: Self.body(content, chunk: 65536)) == Int64(content.count))
        #expect(try await s3.read(key: "attachments/m/big", range: 0...Int64(content.count - 1)) == content)
        #expect(try await s3.write(key: "attachments/m/small", contentType: "text/plain", body: Self.body(Data("hi".utf8), chunk: 1)) == 2)
        await #expect(throws: Cut.self) {
            try await s3.write(key: "attachments/m/cut", contentType: "text/plain", body: Self.body(content, chunk: 65536, failing: true))
        }
        #expect(try await s3.size(key: "attachments/m/cut") == nil)
    }
}
