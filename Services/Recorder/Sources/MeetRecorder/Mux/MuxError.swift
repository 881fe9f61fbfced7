internal import CMeetMux

/// A libavformat failure, with its code and text.
public struct MuxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done: "open", "write", "close", "probe", "rename".
    public var operation: String
    /// The negative AVERROR code (or -errno for the rename).
    public var code: Int32
    public var message: String

    init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        var buffer = [CChar](repeating: 0, count: 128)
        meet_mux_error_string(code, &buffer, buffer.count)
        self.message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init(_ operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String { "\(operation): \(message) (\(code))" }
}
