import Foundation
import Testing
@testable import MeetMail

/// MIME rendering: structure, base64 bodies that decode back, RFC 2047
/// headers, no header injection.
@Suite("MIME message")
struct MIMETests {
    static func message() -> MailMessage {
        MailMessage(
            from: MailAddress("meet@example.com", name: "Meet"), to: [MailAddress("ann@example.com", name: "Ann Ö")],
            subject: "Invitation: Weekly sync\r\nBcc: evil@example.com", text: "Hello\n.\nBye", html: "<p>Hello</p>",
            attachments: [
                MailAttachment(filename: "invite.ics", contentType: "text/calendar; method=REQUEST; charset=utf-8", data: Data("BEGIN:VCALENDAR\r\n".utf8))
            ],
            messageId: "job-1@meet.example", date: Date(timeIntervalSince1970: 1_796_464_800))
    }

    @Test("multipart/mixed holds multipart/alternative (text, html) and the attachment; bodies decode back")
    func structure() throws {
        let rendered = Self.message().render(boundarySeed: "seed")
        #expect(rendered.contains("Content-Type: multipart/mixed; boundary=\"=_mixed_seed\"\r\n"))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary=\"=_alt_seed\"\r\n"))
        #expect(rendered.contains("Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n"))
        #expect(rendered.contains("Content-Disposition: attachment; filename=\"invite.ics\"\r\n"))
        #expect(rendered.hasSuffix("--=_mixed_seed--\r\n"))
        #expect(rendered.contains("Date: Sat, 05 Dec 2026 10:00:00 +0000\r\n"))
        #expect(rendered.contains("Message-ID: <job-1@meet.example>\r\n"))
        // Bare LF never appears: every line ends in CRLF.
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        for line in rendered.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
        let texts = try Self.decodedParts(rendered)
        #expect(texts.contains("Hello\n.\nBye"))
        #expect(texts.contains("<p>Hello</p>"))
        #expect(texts.contains("BEGIN:VCALENDAR\r\n"))
    }

    @Test("a header value cannot start another header; non-ASCII values become RFC 2047 encoded words")
    func headers() {
        let rendered = Self.message().render(boundarySeed: "seed")
        #expect(!rendered.contains("\r\nBcc:"))
        #expect(rendered.contains("Subject: Invitation: Weekly syncBcc: evil@example.com\r\n"))
        #expect(rendered.contains("To: =?UTF-8?B?\(Data("Ann Ö".utf8).base64EncodedString())?= <ann@example.com>\r\n"))
        #expect(rendered.contains("From: \"Meet\" <meet@example.com>\r\n"))
        let long = MIMEHeader.encodedWord(String(repeating: "é", count: 60))
        for word in long.components(separatedBy: "\r\n ") {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
        }
    }

    /// The base64 bodies of every leaf part, decoded.
    static func decodedParts(_ rendered: String) throws -> [String] {
        var result: [String] = []
        for chunk in rendered.components(separatedBy: "Content-Transfer-Encoding: base64\r\n").dropFirst() {
            // Headers after Content-Transfer-Encoding (the disposition), if any, end at the blank line.
            let body = chunk.hasPrefix("\r\n") ? String(chunk.dropFirst()) : (chunk.components(separatedBy: "\r\n\r\n").dropFirst().first ?? "")
            let base64 = body.components(separatedBy: "\r\n--").first ?? ""
            let data = try #require(Data(base64Encoded: base64.replacingOccurrences(of: "\r\n", with: "")))
            result.append(String(decoding: data, as: UTF8.self))
        }
        return result
    }
}
