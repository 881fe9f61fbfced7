import Foundation
public import Logging
import NIOConcurrencyHelpers

/// A swift-log handler that writes one JSON object per line.
///
/// Log collectors (Loki, CloudWatch, Elasticsearch) index these fields
/// without a parsing rule: `ts` (ISO 8601, UTC, milliseconds), `level`,
/// `label`, `msg`, `source`, and every metadata key at the top level
/// (nested values as JSON objects and arrays). Keys that would shadow the
/// fixed ones are prefixed with `meta.`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: LogSink

    /// - Parameters:
    ///   - label: The logger's label.
    ///   - level: The minimum level that is written.
    ///   - sink: Where lines go; standard output unless a test captures them.
    public init(
        label: String,
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        sink: LogSink = .standardOutput
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        var object: [String: Any] = [
            "ts": Self.timestamp(Date()),
            "level": event.level.rawValue,
            "label": self.label,
            "msg": event.message.description,
            "source": event.source,
        ]
        if let error = event.error {
            merged["error"] = .string(String(describing: error))
        }
        for (key, value) in merged {
            let name = object[key] == nil ? key : "meta.\(key)"
            object[name] = Self.jsonValue(value)
        }
        self.sink.write(Self.encode(object))
    }

    /// Serializes with sorted keys so lines are stable and diffable.
    static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            let line = String(data: data, encoding: .utf8)
        else {
            return #"{"level":"error","msg":"unserializable log line"}"#
        }
        return line
    }

    static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(Self.jsonValue)
        case .dictionary(let dictionary): dictionary.mapValues(Self.jsonValue)
        }
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Where log lines are written: a thread-safe line writer.
public struct LogSink: Sendable {
    private let writeLine: @Sendable (String) -> Void

    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    public func write(_ line: String) {
        self.writeLine(line)
    }

    /// Standard output, one `write(2)` per line under a lock so lines never interleave.
    public static let standardOutput: LogSink = {
        let lock = NIOLock()
        return LogSink { line in
            let bytes = Array((line + "\n").utf8)
            lock.withLock {
                bytes.withUnsafeBufferPointer { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = systemWrite(1, buffer.baseAddress! + offset, buffer.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            }
        }
    }()
}

#if canImport(Glibc)
import Glibc
private func systemWrite(_ fd: Int32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int { Glibc.write(fd, pointer, count) }
#elseif canImport(Musl)
import Musl
private func systemWrite(_ fd: Int32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int { Musl.write(fd, pointer, count) }
#elseif canImport(Darwin)
import Darwin
private func systemWrite(_ fd: Int32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int { Darwin.write(fd, pointer, count) }
#endif
