import Foundation

/// Header value helpers for ``MailMessage``.
enum MIMEHeader {
    /// CR, LF and other control characters removed: a value stays one header.
    static func sanitize(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.properties.generalCategory != .control }))
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words (each at most 75 characters) when the
    /// value is not plain printable ASCII; the value itself otherwise.
    static func encodedWord(_ raw: String) -> String {
        let value = self.sanitize(raw)
        guard !value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) else { return value }
        // 45 bytes of input → 60 base64 characters + 12 of framing, under 75;
        // chunks split on character boundaries so no word holds half a character.
        var words: [String] = []
        var chunk = Data()
        for character in value {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `"Name" <email>` (the name encoded when it needs to be), or `<email>`.
    static func address(_ address: MailAddress) -> String {
        let email = "<\(self.sanitize(address.email))>"
        guard let name = address.name.map(self.sanitize), !name.isEmpty else { return email }
        let encoded = self.encodedWord(name)
        if encoded != name { return "\(encoded) \(email)" }
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(quoted)\" \(email)"
    }

    /// RFC 5322 §3.3 date, in UTC: `Sat, 05 Dec 2026 11:00:00 +0000`.
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// Base64 in lines of 76 characters, CRLF-separated.
    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        var lines: [Substring] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[index..<end])
            index = end
        }
        return lines.joined(separator: "\r\n")
    }
}
