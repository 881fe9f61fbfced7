import Foundation

/// RFC 5545 content lines (§3.1): `NAME;PARAM=VALUE:value`, CRLF-terminated,
/// folded so that no line is longer than 75 octets (a fold is CRLF plus one
/// space, never inside a UTF-8 sequence), with TEXT values escaped (§3.3.11).
public struct ContentLines: Sendable {
    public static let maxOctets = 75
    private(set) var lines: [String] = []

    public init() {}

    /// Appends `name[;params]:value`, `value` as given (already a valid
    /// value of its type: a date, a rule, an escaped text).
    public mutating func add(_ name: String, _ value: String, parameters: [(String, String)] = []) {
        var line = name
        for (key, parameter) in parameters { line += ";\(key)=\(Self.parameterValue(parameter))" }
        line += ":" + value
        self.lines.append(Self.fold(line))
    }

    /// Appends a TEXT property, escaped.
    public mutating func addText(_ name: String, _ text: String, parameters: [(String, String)] = []) {
        self.add(name, Self.escape(text), parameters: parameters)
    }

    /// The lines, each ending in CRLF.
    public var text: String { self.lines.joined() }

    /// §3.3.11: backslash, semicolon and comma escaped, line breaks as `\n`;
    /// other control characters (not allowed in TEXT) dropped.
    public static func escape(_ text: String) -> String {
        var result = ""
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for scalar in normalized.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case ";": result += "\\;"
            case ",": result += "\\,"
            case "\n": result += "\\n"
            case "\t": result += " "
            default:
                if scalar.properties.generalCategory == .control { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// §3.2: a parameter value with `:`, `;` or `,` is quoted; `"` and
    /// control characters cannot appear at all and are dropped.
    static func parameterValue(_ raw: String) -> String {
        let clean = String(String.UnicodeScalarView(raw.unicodeScalars.filter {
            $0 != "\"" && $0.properties.generalCategory != .control
        }))
        return clean.contains(where: { ":;,".contains($0) }) ? "\"\(clean)\"" : clean
    }

    /// §3.1: splits `line` into chunks of at most 75 octets (the
    /// continuation's leading space counts), on UTF-8 character boundaries,
    /// joined with CRLF SPACE; ends with CRLF.
    static func fold(_ line: String) -> String {
        var result = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if octets + size > Self.maxOctets {
                result += "\r\n "
                octets = 1
            }
            result.unicodeScalars.append(scalar)
            octets += size
        }
        return result + "\r\n"
    }
}
