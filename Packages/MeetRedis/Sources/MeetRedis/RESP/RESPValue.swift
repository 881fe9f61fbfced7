/// A reply from Redis, in the RESP2 shapes the server sends.
///
/// Bulk strings stay bytes (`[UInt8]`): payloads on the bus are JSON but keys
/// and values may be any binary string, so decoding to `String` is the
/// caller's choice (see ``string``).
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR message\r\n`: a command failed; the connection is still fine.
    case error(String)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nfoo\r\n`
    case bulkString([UInt8])
    /// `$-1\r\n` or `*-1\r\n`
    case null
    /// `*2\r\n...`
    case array([RESPValue])
}

extension RESPValue {
    /// The value as text: simple and bulk strings (UTF-8), integers in decimal.
    public var string: String? {
        switch self {
        case .simpleString(let s): return s
        case .bulkString(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): return bytes
        case .simpleString(let s): return Array(s.utf8)
        default: return nil
        }
    }

    /// Integers, and bulk strings that hold a decimal integer (as `GET` of a counter does).
    public var integer: Int64? {
        switch self {
        case .integer(let i): return i
        case .bulkString(let bytes): return Int64(String(decoding: bytes, as: UTF8.self))
        default: return nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let s): return "+\(s)"
        case .error(let e): return "-\(e)"
        case .integer(let i): return ":\(i)"
        case .bulkString(let bytes): return "$\"\(String(decoding: bytes, as: UTF8.self))\""
        case .null: return "(nil)"
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
