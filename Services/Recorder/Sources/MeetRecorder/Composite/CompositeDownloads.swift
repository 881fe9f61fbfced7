public import Foundation
public import Logging
public import MeetStorage

/// Fetches the composite's inputs that are only in S3 (docs/dev/recording.md,
/// "Composite"): with `MEET_RECORDING_STORAGE=s3`, the files of an earlier
/// segment (a recorder that failed over, or was stopped and restarted) were
/// uploaded and deleted locally before this recorder composes; each is
/// downloaded into a scratch folder beside the composite, read by ffmpeg
/// like any local file, and the folder is removed afterwards.
///
/// Downloaded in ranges of ``chunkSize`` (the S3 client holds one response
/// body in memory at a time), each range retried a few times: a download
/// that still fails fails the composite, which leaves the per-track files
/// as they are (the recording is complete without it).
public struct CompositeDownloads: Sendable {
    let objects: any ObjectDownloading
    let chunkSize: Int64
    let tries: Int
    let logger: Logger

    public init(objects: any ObjectDownloading, chunkSize: Int64 = 4 << 20, tries: Int = 3, logger: Logger) {
        precondition(chunkSize > 0 && tries > 0)
        self.objects = objects
        self.chunkSize = chunkSize
        self.tries = tries
        self.logger = logger
    }

    public enum Failure: Error, Equatable {
        /// The row names an object the store does not have.
        case missing(key: String)
        case cannotWrite(String)
    }

    /// `inputs` with every S3 one downloaded into `scratch` (created here)
    /// and pointing at its local copy; local ones unchanged.
    public func localize(_ inputs: [CompositePlan.Input], into scratch: URL) async throws -> [CompositePlan.Input] {
        guard inputs.contains(where: { $0.objectKey != nil }) else { return inputs }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var local: [CompositePlan.Input] = []
        for (index, input) in inputs.enumerated() {
            guard let key = input.objectKey else {
                local.append(input)
                continue
            }
            // The key's last component keeps the container's extension (ffmpeg probes anyway).
            let name = "\(index)-" + (key.split(separator: "/").last.map(String.init) ?? "input")
            let path = scratch.appendingPathComponent(name).path
            let bytes = try await self.download(key, to: path)
            self.logger.info("composite input fetched from S3", metadata: ["key": "\(key)", "bytes": "\(bytes)"])
            var fetched = input
            fetched.path = path
            fetched.objectKey = nil
            local.append(fetched)
        }
        return local
    }

    private func download(_ key: String, to path: String) async throws -> Int64 {
        guard let size = try await self.retrying({ try await self.objects.size(key: key) }) else { throw Failure.missing(key: key) }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw Failure.cannotWrite(path)
        }
        defer { try? handle.close() }
        var offset: Int64 = 0
        while offset < size {
            let range = offset...min(size, offset + self.chunkSize) - 1
            let data = try await self.retrying { try await self.objects.read(key: key, range: range) }
            guard !data.isEmpty else { throw Failure.missing(key: key) }
            try handle.write(contentsOf: data)
            offset += Int64(data.count)
        }
        return offset
    }

    private func retrying<T: Sendable>(_ step: @Sendable () async throws -> T) async throws -> T {
        var failures = 0
        while true {
            do {
                return try await step()
            } catch {
                failures += 1
                if failures >= self.tries || error is CancellationError { throw error }
                try await Task.sleep(for: .milliseconds(500 * failures))
            }
        }
    }
}

/// Where ``CompositeDownloads`` reads objects: ``S3Client``, or a fake in tests.
public protocol ObjectDownloading: Sendable {
    /// The object's size, or nil when there is none.
    func size(key: String) async throws -> Int64?
    /// The bytes `range` (inclusive) of the object.
    func read(key: String, range: ClosedRange<Int64>?) async throws -> Data
}

extension S3Client: ObjectDownloading {}
