public import NIOCore

/// One command as Redis receives it: an array of bulk strings
/// (`*N\r\n$len\r\narg\r\n...`), the only request form RESP has.
///
/// Arguments are bytes so that binary values and JSON payloads travel
/// untouched; `String` arguments are UTF-8.
public struct RedisCommand: Sendable, Hashable {
    public private(set) var arguments: [[UInt8]]

    public init(_ name: String, _ arguments: [String] = []) {
        self.arguments = [Array(name.utf8)] + arguments.map { Array($0.utf8) }
    }

    public init(_ name: String, _ arguments: String...) {
        self.init(name, arguments)
    }

    /// A command whose arguments are already bytes (first one is the name).
    public init(arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// The command name, upper-cased, for logs and metrics (never the arguments,
    /// which may hold passwords).
    public var name: String {
        String(decoding: arguments.first ?? [], as: UTF8.self).uppercased()
    }

    public mutating func append(_ argument: String) {
        arguments.append(Array(argument.utf8))
    }

    public mutating func append(bytes: [UInt8]) {
        arguments.append(bytes)
    }

    public mutating func append<I: BinaryInteger>(_ value: I) {
        arguments.append(Array(String(value).utf8))
    }

    /// Appends the RESP encoding of this command to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        for argument in arguments {
            buffer.writeStaticString("$")
            buffer.writeString(String(argument.count))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// The size of the encoding, to reserve buffer capacity once.
    var encodedSizeHint: Int {
        arguments.reduce(16) { $0 + $1.count + 16 }
    }
}
