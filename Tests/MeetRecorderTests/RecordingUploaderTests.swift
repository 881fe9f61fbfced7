import Foundation
import Logging
import MeetProtocol
import MeetStorage
import NIOConcurrencyHelpers
import Testing
@testable import MeetRecorder

/// ``RecordingUploader`` against a store that is down for a while: the
/// local file stays and the row keeps naming it until the upload and the
/// row update both succeeded; then the file goes. The same against moto,
/// stopped and restarted: Tests/e2e/test_recording_storage.py.
@Suite("Recording uploader")
struct RecordingUploaderTests {
    /// Fails the first `failures` uploads (with `error`), then keeps what it is given.
    final class FlakyStore: ObjectUploading, Sendable {
        let state: NIOLockedValueBox<(failuresLeft: Int, tries: Int, objects: [String: Data])>
        let error: StorageError

        init(failures: Int, error: StorageError = .unavailable("S3 is down")) {
            self.state = NIOLockedValueBox((failures, 0, [:]))
            self.error = error
        }

        func upload(key: String, file path: String, contentType: String) async throws(StorageError) {
            let fail = state.withLockedValue { state in
                state.tries += 1
                guard state.failuresLeft > 0 else { return false }
                state.failuresLeft -= 1
                return true
            }
            if fail { throw error }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            state.withLockedValue { $0.objects[key] = data }
        }

        func delete(key: String) async throws {
            state.withLockedValue { _ = $0.objects.removeValue(forKey: key) }
        }
    }

    /// Records `uploaded` calls; the others are unused here.
    final class Rows: RecordingMetadata, Sendable {
        let moved = NIOLockedValueBox<[String: String]>([:])
        func began(_ job: RecordingJob, recorderId: String) async throws {}
        func ended(_ recordingId: UUID, recorderId: String, reason: RecorderJobs.EndReason) async throws {}
        func recorded(_ files: [RecordedFile], recordingId: UUID, segment: Int) async throws {}
        /// Rows that no longer exist (their recording was deleted).
        let deleted = NIOLockedValueBox<Set<String>>([])
        func uploaded(recordingId: UUID, path: String, key: String) async throws -> Bool {
            if deleted.withLockedValue({ $0.contains(path) }) { return false }
            moved.withLockedValue { $0[path] = key }
            return true
        }
        func pendingUploads(under root: String) async throws -> [RecordingUploader.Upload] { [] }
    }

    /// A recorder directory in /tmp holding one file at `relative`; removed after `body`.
    static func withFile(_ relative: String, _ content: Data, _ body: (_ root: String, _ path: String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-upload-\(UUID())").path
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try content.write(to: URL(fileURLWithPath: path))
        try await body(root, path)
    }

    @Test("an outage delays the move; the local file stays until the object and the row exist")
    func outage() async throws {
        let content = Data((0..<5000).map { UInt8($0 % 256) })
        try await Self.withFile("abc-defg-hij/rec/seg0-p-video.webm", content) { root, path in
            let store = FlakyStore(failures: 3)
            let rows = Rows()
            let uploader = RecordingUploader(objects: store, metadata: rows, backoff: (.milliseconds(10), .milliseconds(40)), logger: Logger(label: "test"))
            let upload = try #require(RecordingUploader.Upload(recordingID: UUID(), path: path, root: root))
            #expect(upload.key == "abc-defg-hij/rec/seg0-p-video.webm")
            await uploader.enqueue([upload, upload])  // the same file twice is queued once
            #expect(await uploader.waitUntilEmpty(timeout: .seconds(30)))
            #expect(store.state.withLockedValue { $0.tries } == 4)
            #expect(store.state.withLockedValue { $0.objects } == [upload.key: content])
            #expect(rows.moved.withLockedValue { $0 } == [path: upload.key])
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("while the store stays down nothing is deleted; stopping leaves the file for the next start")
    func staysDown() async throws {
        try await Self.withFile("m/r/a.webm", Data("opus".utf8)) { root, path in
            let store = FlakyStore(failures: .max)
            let rows = Rows()
            let uploader = RecordingUploader(objects: store, metadata: rows, backoff: (.milliseconds(5), .milliseconds(5)), logger: Logger(label: "test"))
            await uploader.enqueue([try #require(RecordingUploader.Upload(recordingID: UUID(), path: path, root: root))])
            // It keeps trying (a wait on the tries, not on the clock: a loaded machine runs few in 300 ms).
            let deadline = ContinuousClock.now + .seconds(30)
            while store.state.withLockedValue({ $0.tries }) < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(store.state.withLockedValue { $0.tries } >= 3)
            #expect(FileManager.default.fileExists(atPath: path) && rows.moved.withLockedValue { $0 }.isEmpty)
            await uploader.stop()
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(rows.moved.withLockedValue { $0 }.isEmpty)
            // A file outside the root has no key.
            #expect(RecordingUploader.Upload(recordingID: UUID(), path: "/etc/passwd", root: root) == nil)
        }
    }

    @Test("a file that goes away while the store is down is given up, not retried for ever; the queue goes on")
    func fileGoneDuringOutage() async throws {
        try await Self.withFile("m/r/a.webm", Data("opus".utf8)) { root, path in
            let store = FlakyStore(failures: 2)
            let uploader = RecordingUploader(objects: store, metadata: Rows(), backoff: (.milliseconds(20), .milliseconds(20)), logger: Logger(label: "test"))
            await uploader.enqueue([try #require(RecordingUploader.Upload(recordingID: UUID(), path: path, root: root))])
            // A host deletes the recording through the shared directory while S3 is down.
            try FileManager.default.removeItem(atPath: path)
            #expect(await uploader.waitUntilEmpty(timeout: .seconds(10)))
            #expect(store.state.withLockedValue { $0.objects }.isEmpty)
        }
    }

    @Test("an upload that finishes after its recording was deleted removes the object again")
    func recordingDeletedDuringUpload() async throws {
        try await Self.withFile("m/r/a.webm", Data("opus".utf8)) { root, path in
            let store = FlakyStore(failures: 0)
            let rows = Rows()
            rows.deleted.withLockedValue { $0.insert(path) }
            let uploader = RecordingUploader(objects: store, metadata: rows, backoff: (.milliseconds(1), .milliseconds(2)), logger: Logger(label: "test"))
            await uploader.enqueue([try #require(RecordingUploader.Upload(recordingID: UUID(), path: path, root: root))])
            #expect(await uploader.waitUntilEmpty(timeout: .seconds(10)))
            #expect(store.state.withLockedValue { $0.tries } == 1)
            #expect(store.state.withLockedValue { $0.objects }.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("a store that keeps refusing a file (4xx) is given up after five tries; the file stays and the queue goes on")
    func refused() async throws {
        try await Self.withFile("m/r/a.webm", Data("opus".utf8)) { root, path in
            let store = FlakyStore(failures: 5, error: .rejected(status: 403, "AccessDenied"))
            let uploader = RecordingUploader(objects: store, metadata: Rows(), backoff: (.milliseconds(1), .milliseconds(2)), logger: Logger(label: "test"))
            await uploader.enqueue([try #require(RecordingUploader.Upload(recordingID: UUID(), path: path, root: root))])
            #expect(await uploader.waitUntilEmpty(timeout: .seconds(30)))
            #expect(store.state.withLockedValue { $0.tries } == 5)
            #expect(store.state.withLockedValue { $0.objects }.isEmpty)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}
