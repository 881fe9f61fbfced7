public import Foundation
public import MeetCore

/// Which store holds recordings (`MEET_RECORDING_STORAGE`): the recorder's
/// directory (default), or S3 after upload (docs/configuration.md).
public enum RecordingStoreKind: String, CaseIterable, Sendable {
    case directory
    case s3
}

extension S3Configuration {
    /// `MEET_RECORDING_S3_*` when `MEET_RECORDING_STORAGE=s3`, else nil.
    /// meet-recorder uploads with it; meet-api reads and deletes with it.
    public static func recordings(environment: EnvironmentReader) throws(ConfigurationError) -> S3Configuration? {
        guard try environment.choice("MEET_RECORDING_STORAGE", default: RecordingStoreKind.directory) == .s3 else { return nil }
        let endpoint = try environment.required("MEET_RECORDING_S3_ENDPOINT")
        guard S3Endpoint(endpoint) != nil else {
            throw ConfigurationError(variable: "MEET_RECORDING_S3_ENDPOINT", message: "must be an http(s)://host[:port] URL, nothing after it")
        }
        return S3Configuration(
            endpoint: endpoint, bucket: try environment.required("MEET_RECORDING_S3_BUCKET"),
            region: environment.string("MEET_RECORDING_S3_REGION", default: "us-east-1"),
            accessKeyID: try environment.required("MEET_RECORDING_S3_ACCESS_KEY_ID"),
            secretAccessKey: try environment.required("MEET_RECORDING_S3_SECRET_ACCESS_KEY"),
            partSize: try environment.int("MEET_RECORDING_S3_PART_MB", default: 8, in: 5...512) << 20)
    }
}

/// Read and delete access to stored recording files, whichever store a
/// file row names: what playback and retention need.
public protocol RecordingStore: Sendable {
    /// The size of the file, or nil when it is not there.
    func size(key: String) async throws -> Int64?
    /// Bytes `range` (inclusive) of the file; callers ask for at most a few MiB at a time.
    func read(key: String, range: ClosedRange<Int64>) async throws -> Data
    /// Deletes the file; one already gone is not an error.
    func delete(key: String) async throws
}

extension S3Client: RecordingStore {
    public func read(key: String, range: ClosedRange<Int64>) async throws -> Data {
        try await self.read(key: key, range: Optional(range))
    }
}

/// The directory store, read where the recorder wrote (a volume both
/// mount): a key is the file's path, absolute (what the recorder stores)
/// or relative to the root, and must resolve inside the root.
public struct DirectoryStore: RecordingStore {
    public let root: String

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
    }

    /// The file's path, or ``StorageError/badKey(_:)`` when it leaves the root.
    public func path(_ key: String) throws(StorageError) -> String {
        let url = key.hasPrefix("/") ? URL(fileURLWithPath: key) : URL(fileURLWithPath: root).appendingPathComponent(key)
        let path = url.standardizedFileURL.path
        guard path.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { throw StorageError.badKey(key) }
        return path
    }

    public func size(key: String) async throws -> Int64? {
        let path = try self.path(key)
        guard let values = try? URL(fileURLWithPath: path).resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
            values.isRegularFile == true, let size = values.fileSize
        else { return nil }
        return Int64(size)
    }

    public func read(key: String, range: ClosedRange<Int64>) async throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: try self.path(key)) else { throw StorageError.notFound }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(range.lowerBound))
            return try handle.read(upToCount: Int(range.upperBound - range.lowerBound + 1)) ?? Data()
        } catch {
            throw StorageError.unavailable("read \(key): \(error)")
        }
    }

    public func delete(key: String) async throws {
        let path = try self.path(key)
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            // Gone meanwhile is what a delete wants.
            guard FileManager.default.fileExists(atPath: path) else { return }
            throw StorageError.unavailable("delete \(key): \(error)")
        }
    }
}
