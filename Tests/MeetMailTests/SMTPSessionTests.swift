import Foundation
import Testing
@testable import MeetMail

/// The SMTP client session (RFC 5321) without a socket: replies in, commands out.
@Suite("SMTP session")
struct SMTPSessionTests {
    static func reply(_ code: Int, _ lines: String...) -> SMTPReply { SMTPReply(code: code, lines: lines) }

    @Test("the happy path with AUTH PLAIN, two recipients and dot-stuffing")
    func authPlain() {
        var session = SMTPSession(
            clientName: "meet.local", from: "meet@example.com", recipients: ["a@example.com", "b@example.com"],
            message: "Subject: x\r\n\r\n.hidden\r\nok\r\n", credentials: SMTPCredentials(username: "u", password: "p"))
        #expect(session.receive(Self.reply(220, "hi")) == .send("EHLO meet.local"))
        #expect(session.receive(Self.reply(250, "hello", "PIPELINING", "AUTH LOGIN PLAIN")) == .send("AUTH PLAIN AHUAcA=="))
        #expect(session.receive(Self.reply(235, "ok")) == .send("MAIL FROM:<meet@example.com>"))
        #expect(session.receive(Self.reply(250, "ok")) == .send("RCPT TO:<a@example.com>"))
        #expect(session.receive(Self.reply(250, "ok")) == .send("RCPT TO:<b@example.com>"))
        #expect(session.receive(Self.reply(251, "forwarded")) == .send("DATA"))
        #expect(session.receive(Self.reply(354, "go")) == .sendData("Subject: x\r\n\r\n..hidden\r\nok\r\n.\r\n"))
        #expect(session.receive(Self.reply(250, "queued")) == .done)
    }

    @Test("AUTH LOGIN when PLAIN is not offered; no AUTH without credentials")
    func authLogin() {
        var session = SMTPSession(
            clientName: "m", from: "f@x.org", recipients: ["t@x.org"], message: "x", credentials: .init(username: "user", password: "pw"))
        _ = session.receive(Self.reply(220))
        #expect(session.receive(Self.reply(250, "x", "AUTH=LOGIN")) == .send("AUTH LOGIN"))
        #expect(session.receive(Self.reply(334, "VXNlcm5hbWU6")) == .send("dXNlcg=="))
        #expect(session.receive(Self.reply(334, "UGFzc3dvcmQ6")) == .send("cHc="))
        #expect(session.receive(Self.reply(235)) == .send("MAIL FROM:<f@x.org>"))

        var plain = SMTPSession(clientName: "m", from: "f@x.org", recipients: ["t@x.org"], message: "x", credentials: nil)
        _ = plain.receive(Self.reply(220))
        #expect(plain.receive(Self.reply(250, "x", "AUTH PLAIN")) == .send("MAIL FROM:<f@x.org>"))
    }

    @Test("EHLO refused: HELO; credentials without an AUTH offer: a permanent failure")
    func heloFallback() {
        var session = SMTPSession(clientName: "m", from: "f@x.org", recipients: ["t@x.org"], message: "x", credentials: nil)
        _ = session.receive(Self.reply(220))
        #expect(session.receive(Self.reply(502, "no")) == .send("HELO m"))
        #expect(session.receive(Self.reply(250)) == .send("MAIL FROM:<f@x.org>"))

        var auth = SMTPSession(clientName: "m", from: "f@x.org", recipients: ["t@x.org"], message: "x", credentials: .init(username: "u", password: "p"))
        _ = auth.receive(Self.reply(220))
        #expect(auth.receive(Self.reply(250, "x")) == .fail(.authUnsupported))
        #expect(!SMTPError.authUnsupported.isTransient)
    }

    @Test("a refusal names its step; 4xx is transient, 5xx permanent")
    func refusals() {
        var session = SMTPSession(clientName: "m", from: "f@x.org", recipients: ["t@x.org"], message: "x", credentials: nil)
        _ = session.receive(Self.reply(220))
        _ = session.receive(Self.reply(250))
        _ = session.receive(Self.reply(250))
        let action = session.receive(Self.reply(450, "mailbox busy"))
        #expect(action == .fail(.rejected(step: "RCPT TO", reply: Self.reply(450, "mailbox busy"))))
        if case .fail(let error) = action { #expect(error.isTransient) }
        #expect(!SMTPError.rejected(step: "DATA", reply: Self.reply(554)).isTransient)
        #expect(SMTPError.timeout(step: "DATA").isTransient)
    }

    @Test("reply parsing: multi-line replies, malformed lines refused")
    func replies() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-first") == nil)
        #expect(try parser.feed("250-AUTH PLAIN") == nil)
        #expect(try parser.feed("250 last") == SMTPReply(code: 250, lines: ["first", "AUTH PLAIN", "last"]))
        #expect(try parser.feed("220") == SMTPReply(code: 220, lines: [""]))
        for bad in ["hello", "25", "2500 x", "999 x", "250_x"] {
            var fresh = SMTPReplyParser()
            #expect(throws: SMTPError.self) { try fresh.feed(bad) }
        }
        var mixed = SMTPReplyParser()
        _ = try mixed.feed("250-a")
        #expect(throws: SMTPError.self) { try mixed.feed("251 b") }
    }

    @Test("dot-stuffing doubles leading dots and normalizes line ends", arguments: [
        ("a\n.b\r\n..c", "a\r\n..b\r\n...c\r\n.\r\n"),
        (".", "..\r\n.\r\n"),
        ("x\r\n", "x\r\n.\r\n"),
    ])
    func dotStuffing(input: String, expected: String) {
        #expect(SMTPSession.dotStuffed(input) == expected)
    }
}
