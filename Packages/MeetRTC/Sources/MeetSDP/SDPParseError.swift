/// Why a session description was rejected (RFC 8866).
///
/// SDP arrives from untrusted clients over signaling, so the parser bounds what
/// it accepts (`SessionDescription.Limits`) and reports the line at fault.
public enum SDPParseError: Error, Equatable, Sendable {
    /// The text is longer than `Limits.maxBytes`.
    case tooLarge(bytes: Int, limit: Int)
    /// More lines (or media sections) than the limits allow.
    case tooManyLines(limit: Int)
    case tooManyMediaSections(limit: Int)
    /// A line is not `<type>=<value>` with a single-letter type (§5).
    case malformedLine(line: Int, text: String)
    /// A type letter that §5 does not define: §5 says to reject the whole description.
    case unknownLineType(line: Int, type: Character)
    /// A required line is missing or out of order (v=, o=, s=, t=).
    case missingLine(String)
    /// A line's value does not follow its grammar (o=, c=, m=, b=, t=, or a typed attribute).
    case malformedValue(kind: String, value: String)
}
