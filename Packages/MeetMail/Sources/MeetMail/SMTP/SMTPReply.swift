/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines.
/// Multi-line replies use `250-…` on every line but the last (`250 …`).
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var isPositive: Bool { (200..<400).contains(self.code) }
    /// 4xx: try again later (the outbox retries); 5xx is permanent.
    public var isTransient: Bool { (400..<500).contains(self.code) }
    public var text: String { self.lines.joined(separator: " ") }
}

/// Assembles reply lines into ``SMTPReply`` values. Sans-I/O: fed one line
/// (without CRLF) at a time.
public struct SMTPReplyParser: Sendable {
    /// Lines one reply may have (EHLO lists a dozen extensions at most).
    public static let maxLines = 100
    private var pending: [String] = []
    private var code: Int?

    public init() {}

    /// The reply `line` completes, if any. Throws on a line that is not a
    /// reply line, or a continuation with another code.
    public mutating func feed(_ line: String) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200..<600).contains(code)
        else { throw .malformedReply(line) }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { throw .malformedReply(line) }
        if let pendingCode = self.code, pendingCode != code { throw .malformedReply(line) }
        self.code = code
        self.pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard self.pending.count <= Self.maxLines else { throw .malformedReply(line) }
        guard separator == UInt8(ascii: " ") else { return nil }
        defer {
            self.pending = []
            self.code = nil
        }
        return SMTPReply(code: code, lines: self.pending)
    }
}

/// Why a message was not handed over.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection (refused, unreachable, or not within the timeout).
    case connectFailed(String)
    /// The server did not answer `step` within the timeout.
    case timeout(step: String)
    /// The server closed the connection during `step`.
    case connectionClosed(step: String)
    case malformedReply(String)
    /// The server refused `step` with `reply`.
    case rejected(step: String, reply: SMTPReply)
    /// Credentials are configured but the server offers neither AUTH PLAIN nor LOGIN (or no EHLO).
    case authUnsupported

    /// Whether trying again later may work: everything but a 5xx refusal and
    /// a configuration mismatch.
    public var isTransient: Bool {
        switch self {
        case .rejected(_, let reply): reply.isTransient
        case .authUnsupported: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let reason): "cannot connect: \(reason)"
        case .timeout(let step): "no answer to \(step) in time"
        case .connectionClosed(let step): "connection closed during \(step)"
        case .malformedReply(let line): "malformed reply '\(line.prefix(80))'"
        case .rejected(let step, let reply): "\(step) refused: \(reply.code) \(reply.text.prefix(200))"
        case .authUnsupported: "the server offers neither AUTH PLAIN nor AUTH LOGIN"
        }
    }
}
