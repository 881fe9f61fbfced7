import Foundation
import Testing
@testable import MeetMail

/// RFC 5545: line folding (§3.1), TEXT escaping (§3.3.11), the VEVENT of an
/// iTIP REQUEST/CANCEL (RFC 5546), and VTIMEZONE from the tz database (§3.6.5).
@Suite("ICS")
struct ICSTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func invite(_ method: CalendarInvite.Method = .request) -> CalendarInvite {
        CalendarInvite(
            method: method, uid: "abc-defg-hij@meet.example", sequence: 3, stamp: utc("2027-03-01T10:00:00Z"),
            start: utc("2027-03-22T08:00:00Z"), end: utc("2027-03-22T09:00:00Z"), timeZone: berlin,
            summary: "Weekly sync; plan, review", description: "Agenda:\n1. status\\notes", url: "https://meet.example/abc-defg-hij",
            organizer: .init(email: "owner@example.com", name: "Owner, The"),
            attendees: [.init(email: "ann@example.com", name: "Ann")], recurrenceRule: "FREQ=WEEKLY;COUNT=4")
    }

    /// Unfolds (§3.1: CRLF followed by one space or tab is removed).
    static func unfold(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    @Test("every line ends in CRLF and is at most 75 octets; folds never split a UTF-8 character")
    func folding() {
        var lines = ContentLines()
        lines.addText("DESCRIPTION", String(repeating: "Grüße 🎉 ", count: 40))
        let text = lines.text
        #expect(text.hasSuffix("\r\n"))
        for line in text.components(separatedBy: "\r\n").dropLast() {
            #expect(line.utf8.count <= 75, "\(line)")
            #expect(String(validating: Array(line.utf8), as: UTF8.self) != nil)
        }
        #expect(Self.unfold(text) == ["DESCRIPTION:" + String(repeating: "Grüße 🎉 ", count: 40)])
    }

    @Test("TEXT escaping: backslash, semicolon, comma, line breaks; control characters dropped")
    func escaping() {
        #expect(ContentLines.escape("a\\b;c,d\ne\r\nf\u{7}g") == "a\\\\b\\;c\\,d\\ne\\nfg")
        #expect(ContentLines.parameterValue("Owner, The") == "\"Owner, The\"")
        #expect(ContentLines.parameterValue("Ann \"A\"") == "Ann A")
    }

    @Test("a REQUEST for a series: local times with TZID, a VTIMEZONE, the RRULE, UID and SEQUENCE")
    func request() {
        let lines = Self.unfold(Self.invite().text)
        #expect(lines.first == "BEGIN:VCALENDAR")
        #expect(lines.last == "END:VCALENDAR")
        #expect(lines.contains("METHOD:REQUEST"))
        #expect(lines.contains("VERSION:2.0"))
        #expect(lines.contains("UID:abc-defg-hij@meet.example"))
        #expect(lines.contains("SEQUENCE:3"))
        #expect(lines.contains("DTSTAMP:20270301T100000Z"))
        #expect(lines.contains("DTSTART;TZID=Europe/Berlin:20270322T090000"))
        #expect(lines.contains("DTEND;TZID=Europe/Berlin:20270322T100000"))
        #expect(lines.contains("RRULE:FREQ=WEEKLY;COUNT=4"))
        #expect(lines.contains("SUMMARY:Weekly sync\\; plan\\, review"))
        #expect(lines.contains("DESCRIPTION:Agenda:\\n1. status\\\\notes"))
        #expect(lines.contains("STATUS:CONFIRMED"))
        #expect(lines.contains("ORGANIZER;CN=\"Owner, The\":mailto:owner@example.com"))
        #expect(lines.contains("ATTENDEE;CN=Ann;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@example.com"))
        // The VTIMEZONE names the zone and holds the March 2027 change: 02:00 CET → CEST.
        #expect(lines.contains("TZID:Europe/Berlin"))
        let daylight = lines.firstIndex(of: "DTSTART:20270328T020000")
        #expect(daylight != nil)
        if let daylight {
            #expect(lines[daylight - 1] == "BEGIN:DAYLIGHT")
            #expect(lines[daylight + 1] == "TZOFFSETFROM:+0100")
            #expect(lines[daylight + 2] == "TZOFFSETTO:+0200")
        }
        // Components nest: every BEGIN has its END.
        let begins = lines.filter { $0.hasPrefix("BEGIN:") }.count
        #expect(begins == lines.filter { $0.hasPrefix("END:") }.count)
    }

    @Test("a CANCEL of one occurrence names it with RECURRENCE-ID and carries no RRULE")
    func cancelOccurrence() {
        var invite = Self.invite(.cancel)
        invite.recurrenceId = Self.utc("2027-03-29T07:00:00Z")
        let lines = Self.unfold(invite.text)
        #expect(lines.contains("METHOD:CANCEL"))
        #expect(lines.contains("STATUS:CANCELLED"))
        #expect(lines.contains("RECURRENCE-ID;TZID=Europe/Berlin:20270329T090000"))
        #expect(!lines.contains { $0.hasPrefix("RRULE") })
    }

    @Test("UTC events need no VTIMEZONE")
    func utcEvent() {
        var invite = Self.invite()
        invite.timeZone = TimeZone(identifier: "UTC")!
        let lines = Self.unfold(invite.text)
        #expect(lines.contains("DTSTART:20270322T080000Z"))
        #expect(!lines.contains("BEGIN:VTIMEZONE"))
    }

    @Test("offsets are ±HHMM", arguments: [(3600, "+0100"), (-16_200, "-0430"), (0, "+0000"), (20_700, "+0545")])
    func offsets(seconds: Int, text: String) {
        #expect(VTimeZone.offset(seconds) == text)
    }
}
