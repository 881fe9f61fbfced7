import Foundation
public import NIOCore

/// A ``RecordingStore`` that also takes new objects, streamed: what chat
/// attachments need (meet-api writes them where recordings are, a directory
/// or S3; docs/signaling.md, "File sharing").
///
/// The body is consumed chunk by chunk: at most one S3 part (or one chunk,
/// for the directory) is held in memory, whatever the object's size. A body
/// that throws part-way (over its size limit, the client gone) leaves
/// nothing under `key`, and its error is rethrown as it was.
public protocol ObjectStore: RecordingStore {
    /// Writes `body` as the object `key`; returns the bytes written.
    func write<Body: AsyncSequence>(key: String, contentType: String, body: Body) async throws -> Int64
    where Body.Element == ByteBuffer
}

extension S3Client: ObjectStore {
    public func write<Body: AsyncSequence>(key: String, contentType: String, body: Body) async throws -> Int64
    where Body.Element == ByteBuffer {
        var parts = PartReader(iterator: body.makeAsyncIterator(), partSize: self.configuration.partSize)
        return try await self.upload(key: key, contentType: contentType) { try await parts.next() }
    }
}

/// Cuts a stream of buffers into parts of `partSize` bytes (the last one shorter, then empty).
struct PartReader<Iterator: AsyncIteratorProtocol> where Iterator.Element == ByteBuffer {
    var iterator: Iterator
    let partSize: Int
    private var pending = ByteBuffer()
    private var ended = false

    init(iterator: Iterator, partSize: Int) {
        self.iterator = iterator
        self.partSize = partSize
    }

    mutating func next() async throws -> Data {
        while !self.ended, self.pending.readableBytes < self.partSize {
            guard var chunk = try await self.iterator.next() else {
                self.ended = true
                break
            }
            self.pending.writeBuffer(&chunk)
        }
        let length = min(self.partSize, self.pending.readableBytes)
        let part = Data(self.pending.readableBytesView.prefix(length))
        self.pending.moveReaderIndex(forwardBy: length)
        self.pending.discardReadBytes()
        return part
    }
}

extension DirectoryStore: ObjectStore {
    /// Written to `{path}.part-{random}` and renamed when complete, so a
    /// reader never sees half a file; the partial file is removed on failure.
    public func write<Body: AsyncSequence>(key: String, contentType: String, body: Body) async throws -> Int64
    where Body.Element == ByteBuffer {
        let path = try self.path(key)
        let partial = "\(path).part-\(UUID().uuidString.lowercased())"
        let handle: FileHandle
        do {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: partial, contents: nil),
                let opened = FileHandle(forWritingAtPath: partial)
            else { throw StorageError.unavailable("cannot create \(partial)") }
            handle = opened
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.unavailable("create \(key): \(error)")
        }
        var written: Int64 = 0
        do {
            for try await chunk in body {
                do {
                    try handle.write(contentsOf: Data(chunk.readableBytesView))
                } catch {
                    throw StorageError.unavailable("write \(key): \(error)")
                }
                written += Int64(chunk.readableBytes)
            }
            try handle.close()
            do {
                try FileManager.default.moveItem(atPath: partial, toPath: path)
            } catch {
                throw StorageError.unavailable("rename to \(key): \(error)")
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return written
    }
}
