public import Foundation

/// An email address with an optional display name.
public struct MailAddress: Sendable, Equatable {
    public var email: String
    public var name: String?

    public init(_ email: String, name: String? = nil) {
        self.email = email
        self.name = name
    }
}

/// A file attached to a message.
public struct MailAttachment: Sendable, Equatable {
    public var filename: String
    /// With parameters, e.g. `text/calendar; method=REQUEST; charset=utf-8`.
    public var contentType: String
    public var data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// An email with a text and an HTML body and attachments, rendered as
/// RFC 5322 + MIME (RFC 2045–2047):
///
/// ```
/// multipart/mixed
/// ├── multipart/alternative
/// │   ├── text/plain; charset=utf-8   (base64)
/// │   └── text/html; charset=utf-8    (base64)
/// └── attachment…                     (base64)
/// ```
///
/// Every body is base64 in lines of 76 characters: 7-bit clean for any relay,
/// no line-length limit to break, no dot at a line start. Header values lose
/// CR and LF (no header injection from a title); non-ASCII ones become
/// RFC 2047 encoded words.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String
    public var attachments: [MailAttachment]
    public var messageId: String
    public var date: Date
    /// Extra headers (`X-Meet-Job`), values sanitized like the others.
    public var headers: [(String, String)] = []

    public init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, html: String, attachments: [MailAttachment] = [],
        messageId: String, date: Date
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.messageId = messageId
        self.date = date
    }

    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.render(boundarySeed: "x") == rhs.render(boundarySeed: "x")
    }

    /// The message, CRLF line endings. `boundarySeed` makes the MIME
    /// boundaries (tests pass a fixed one; the boundary never occurs in
    /// base64 text, which has no `=_`, so any seed is safe).
    public func render(boundarySeed: String = UUID().uuidString) -> String {
        let mixed = "=_mixed_" + boundarySeed
        let alternative = "=_alt_" + boundarySeed
        var out = ""
        func header(_ name: String, _ value: String) { out += "\(name): \(value)\r\n" }
        header("From", MIMEHeader.address(self.from))
        header("To", self.to.map(MIMEHeader.address).joined(separator: ", "))
        header("Subject", MIMEHeader.encodedWord(self.subject))
        header("Date", MIMEHeader.date(self.date))
        header("Message-ID", "<\(MIMEHeader.sanitize(self.messageId))>")
        for (name, value) in self.headers { header(MIMEHeader.sanitize(name), MIMEHeader.encodedWord(value)) }
        header("MIME-Version", "1.0")
        header("Content-Type", "multipart/mixed; boundary=\"\(mixed)\"")
        out += "\r\n"
        out += "--\(mixed)\r\n"
        out += "Content-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n"
        out += Self.part(alternative, "text/plain; charset=utf-8", Data(self.text.utf8))
        out += Self.part(alternative, "text/html; charset=utf-8", Data(self.html.utf8))
        out += "--\(alternative)--\r\n"
        for attachment in self.attachments {
            let name = MIMEHeader.sanitize(attachment.filename).replacingOccurrences(of: "\"", with: "")
            out += Self.part(
                mixed, MIMEHeader.sanitize(attachment.contentType), attachment.data,
                extra: "Content-Disposition: attachment; filename=\"\(name)\"\r\n")
        }
        out += "--\(mixed)--\r\n"
        return out
    }

    private static func part(_ boundary: String, _ contentType: String, _ data: Data, extra: String = "") -> String {
        "--\(boundary)\r\nContent-Type: \(contentType)\r\nContent-Transfer-Encoding: base64\r\n\(extra)\r\n"
            + MIMEHeader.base64Lines(data) + "\r\n"
    }
}
