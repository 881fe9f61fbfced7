import Foundation

/// What an uploader says about a file, made safe to store and to send back:
/// the name (from `?name=`) and the media type (from `Content-Type`), and
/// the `Content-Disposition` a download carries (RFC 6266, with the
/// RFC 8187 `filename*` for names that are not plain ASCII).
enum AttachmentNames {
    /// The longest name kept, in bytes of UTF-8.
    static let maxNameBytes = 200
    /// What an empty or unusable name becomes.
    static let fallbackName = "file"
    static let fallbackType = "application/octet-stream"

    /// The last path component (`/` and `\` both count), without control
    /// characters (C0, C1, DEL), bidirectional overrides and isolates (a name
    /// must read as what it is: `txt.exe` shown as `exe.txt`), or leading
    /// dots and spaces; at most ``maxNameBytes`` bytes, cut on a character.
    static func name(_ raw: String?) -> String {
        guard let raw else { return fallbackName }
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let bidi: ClosedRange<UInt32> = 0x202A...0x202E
        let isolates: ClosedRange<UInt32> = 0x2066...0x2069
        var kept = String.UnicodeScalarView()
        for scalar in last.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || bidi.contains(value) || isolates.contains(value)
                || value == 0x200E || value == 0x200F || value == 0xFEFF
            {
                continue
            }
            kept.append(scalar)
        }
        var name = String(kept).trimmingCharacters(in: .whitespaces)
        while name.hasPrefix(".") { name.removeFirst() }
        name = name.trimmingCharacters(in: .whitespaces)
        while name.utf8.count > maxNameBytes { name.removeLast() }
        return name.isEmpty ? fallbackName : name
    }

    /// `type/subtype` in lower case when the header holds one made of
    /// RFC 9110 token characters (parameters dropped), else ``fallbackType``.
    static func contentType(_ header: String?) -> String {
        guard let header else { return fallbackType }
        let media = (header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        let parts = media.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 64 && $0.unicodeScalars.allSatisfy(Self.isToken) }) else {
            return fallbackType
        }
        return media
    }

    /// `attachment; filename="…"` with an ASCII fallback (anything else,
    /// and `"`, `\`, `%`, becomes `_`), and `filename*=UTF-8''…` with the
    /// name percent-encoded when the two differ (RFC 6266 §4.3, RFC 8187).
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && !"\"\\%".unicodeScalars.contains(scalar)
                        ? scalar : "_"
                }))
        guard ascii != name else { return "attachment; filename=\"\(ascii)\"" }
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(Self.percentEncoded(name))"
    }

    /// RFC 8187 `value-chars`: `attr-char` as is, every other byte `%XX`.
    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || "!#$&+-.^_`|~".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// RFC 9110 `tchar`.
    static func isToken(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
    }
}
