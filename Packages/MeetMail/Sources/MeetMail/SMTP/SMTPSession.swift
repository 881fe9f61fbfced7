import Foundation

/// Credentials for SMTP AUTH (RFC 4954): PLAIN (RFC 4616) when offered, else LOGIN.
public struct SMTPCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// The client side of one SMTP transaction (RFC 5321 §3, §4.1) as a sans-I/O
/// state machine: it is given each reply and answers with what to send next.
/// ``SMTPClient`` does the socket and the timeouts.
///
/// ```
/// greeting 220 → EHLO (5xx → HELO) → [AUTH PLAIN | AUTH LOGIN user, pass]
///   → MAIL FROM → RCPT TO × n → DATA 354 → message "." 250 → QUIT
/// ```
public struct SMTPSession: Sendable {
    public enum Action: Sendable, Equatable {
        /// Send this command line (CRLF is added by the driver).
        case send(String)
        /// Send the message body: already dot-stuffed and ending in `CRLF.CRLF`.
        case sendData(String)
        /// The message was accepted; QUIT was sent (its reply is not awaited).
        case done
        case fail(SMTPError)
    }

    private enum State: Sendable {
        case greeting, ehlo, helo, authPlain, authLoginUser, authLoginPassword, authLoginDone, mailFrom
        case recipient(Int), data, body, finished
    }

    private var state = State.greeting
    private let clientName: String
    private let from: String
    private let recipients: [String]
    private let message: String
    private let credentials: SMTPCredentials?

    /// - Parameters:
    ///   - clientName: the EHLO/HELO argument (a host name).
    ///   - message: the RFC 5322 message, CRLF line endings.
    public init(clientName: String, from: String, recipients: [String], message: String, credentials: SMTPCredentials?) {
        self.clientName = clientName
        self.from = from
        self.recipients = recipients
        self.message = message
        self.credentials = credentials
    }

    /// What the session is waiting for, for timeout and error messages.
    public var step: String {
        switch self.state {
        case .greeting: "greeting"
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .authPlain, .authLoginUser, .authLoginPassword, .authLoginDone: "AUTH"
        case .mailFrom: "MAIL FROM"
        case .recipient: "RCPT TO"
        case .data: "DATA"
        case .body: "message"
        case .finished: "QUIT"
        }
    }

    public mutating func receive(_ reply: SMTPReply) -> Action {
        switch self.state {
        case .greeting:
            guard reply.code == 220 else { return self.fail(reply) }
            self.state = .ehlo
            return .send("EHLO \(self.clientName)")
        case .ehlo:
            guard reply.code == 250 else {
                guard reply.code >= 500 else { return self.fail(reply) }
                self.state = .helo
                return .send("HELO \(self.clientName)")
            }
            return self.authenticate(offered: Self.authMechanisms(reply))
        case .helo:
            guard reply.code == 250 else { return self.fail(reply) }
            return self.authenticate(offered: [])
        case .authPlain, .authLoginDone:
            guard reply.code == 235 else { return self.fail(reply) }
            return self.mailFrom()
        case .authLoginUser:
            guard reply.code == 334, let credentials else { return self.fail(reply) }
            self.state = .authLoginPassword
            return .send(Data(credentials.username.utf8).base64EncodedString())
        case .authLoginPassword:
            guard reply.code == 334, let credentials else { return self.fail(reply) }
            self.state = .authLoginDone
            return .send(Data(credentials.password.utf8).base64EncodedString())
        case .mailFrom:
            guard reply.code == 250 else { return self.fail(reply) }
            self.state = .recipient(0)
            return .send("RCPT TO:<\(self.recipients[0])>")
        case .recipient(let index):
            guard reply.code == 250 || reply.code == 251 else { return self.fail(reply) }
            if index + 1 < self.recipients.count {
                self.state = .recipient(index + 1)
                return .send("RCPT TO:<\(self.recipients[index + 1])>")
            }
            self.state = .data
            return .send("DATA")
        case .data:
            guard reply.code == 354 else { return self.fail(reply) }
            self.state = .body
            return .sendData(Self.dotStuffed(self.message))
        case .body:
            guard reply.code == 250 else { return self.fail(reply) }
            self.state = .finished
            return .done
        case .finished:
            return .done
        }
    }

    private mutating func fail(_ reply: SMTPReply) -> Action {
        let step = self.step
        self.state = .finished
        return .fail(.rejected(step: step, reply: reply))
    }

    private mutating func authenticate(offered: Set<String>) -> Action {
        guard let credentials else { return self.mailFrom() }
        if offered.contains("PLAIN") {
            self.state = .authPlain
            // RFC 4616: authzid NUL authcid NUL passwd, base64, as the initial response.
            let token = Data(("\0" + credentials.username + "\0" + credentials.password).utf8).base64EncodedString()
            return .send("AUTH PLAIN \(token)")
        }
        if offered.contains("LOGIN") {
            self.state = .authLoginUser
            return .send("AUTH LOGIN")
        }
        self.state = .finished
        return .fail(.authUnsupported)
    }

    private mutating func mailFrom() -> Action {
        guard !self.recipients.isEmpty else {
            self.state = .finished
            return .fail(.rejected(step: "RCPT TO", reply: SMTPReply(code: 554, lines: ["no recipients"])))
        }
        self.state = .mailFrom
        return .send("MAIL FROM:<\(self.from)>")
    }

    /// The mechanisms of the EHLO reply's `AUTH` line (`AUTH PLAIN LOGIN`, or the old `AUTH=LOGIN`).
    static func authMechanisms(_ reply: SMTPReply) -> Set<String> {
        var result = Set<String>()
        for line in reply.lines {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" })
            guard words.first == "AUTH" else { continue }
            result.formUnion(words.dropFirst().map(String.init))
        }
        return result
    }

    /// RFC 5321 §4.5.2: a line that starts with `.` gets another; the body
    /// ends with CRLF `.` CRLF. Bare LF and CR become CRLF first.
    public static func dotStuffed(_ message: String) -> String {
        let normalized = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let stuffed = lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return stuffed.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
