import Foundation

/// CSV for the reports' exports (RFC 4180): CRLF line ends, a field quoted
/// when it holds a comma, quote, CR or LF, quotes doubled. A field that a
/// spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
/// tab or CR) is prefixed with `'` first: a display name is user input.
enum CSV {
    static func encode(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// ISO 8601 in UTC, as the JSON form has it.
    static func date(_ date: Date?) -> String {
        date.map { $0.formatted(.iso8601) } ?? ""
    }
}
