public import Foundation

/// One VEVENT in an iTIP message (RFC 5546) as an email attachment:
/// `METHOD:REQUEST` for an invitation or an update, `METHOD:CANCEL` for a
/// cancellation, of a whole series or (with ``recurrenceId``) one occurrence.
///
/// Calendars match events by ``uid`` (one per meeting, stable) and keep the
/// highest ``sequence``: every change must raise it, or the update is ignored.
public struct CalendarInvite: Sendable, Equatable {
    public enum Method: String, Sendable {
        case request = "REQUEST", cancel = "CANCEL"
    }

    public struct Person: Sendable, Equatable {
        public var email: String
        public var name: String?

        public init(email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }

    public var method: Method
    public var uid: String
    public var sequence: Int
    /// DTSTAMP: when this message was made.
    public var stamp: Date
    public var start: Date
    public var end: Date
    /// An IANA zone: DTSTART/DTEND are written as its wall-clock time with a VTIMEZONE.
    public var timeZone: TimeZone
    public var summary: String
    public var description: String?
    /// Where to join (the meeting's link).
    public var url: String?
    public var organizer: Person
    public var attendees: [Person]
    /// The canonical RRULE text of a series (on the master event only).
    public var recurrenceRule: String?
    /// The original start of the one occurrence this message is about.
    public var recurrenceId: Date?
    /// Starts of a series' occurrences that do not take place (EXDATE; feeds only).
    public var excludedStarts: [Date] = []
    /// The product that made it (PRODID).
    public var productId = "-//Meet//Meet scheduling//EN"

    public init(
        method: Method, uid: String, sequence: Int, stamp: Date, start: Date, end: Date, timeZone: TimeZone, summary: String,
        description: String? = nil, url: String? = nil, organizer: Person, attendees: [Person], recurrenceRule: String? = nil,
        recurrenceId: Date? = nil
    ) {
        self.method = method
        self.uid = uid
        self.sequence = sequence
        self.stamp = stamp
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.summary = summary
        self.description = description
        self.url = url
        self.organizer = organizer
        self.attendees = attendees
        self.recurrenceRule = recurrenceRule
        self.recurrenceId = recurrenceId
    }

    /// The whole `VCALENDAR`, CRLF line endings, folded and escaped.
    public var text: String {
        var lines = ContentLines()
        Self.writeHeader(method: self.method.rawValue, productId: self.productId, into: &lines)
        if !self.isUTC {
            VTimeZone(timeZone: self.timeZone, from: self.start, through: self.lastRelevantDate).write(into: &lines)
        }
        self.writeEvent(into: &lines)
        lines.add("END", "VCALENDAR")
        return lines.text
    }

    static func writeHeader(method: String, productId: String, into lines: inout ContentLines) {
        lines.add("BEGIN", "VCALENDAR")
        lines.add("VERSION", "2.0")
        lines.add("PRODID", productId)
        lines.add("CALSCALE", "GREGORIAN")
        lines.add("METHOD", method)
    }

    var isUTC: Bool { self.timeZone.identifier == "UTC" || self.timeZone.identifier == "GMT" }

    /// The `VEVENT` alone.
    func writeEvent(into lines: inout ContentLines) {
        let utc = self.isUTC
        lines.add("BEGIN", "VEVENT")
        lines.add("UID", ContentLines.escape(self.uid))
        lines.add("SEQUENCE", String(self.sequence))
        lines.add("DTSTAMP", ICSDate.utc(self.stamp))
        self.addTime("DTSTART", self.start, utc: utc, into: &lines)
        self.addTime("DTEND", self.end, utc: utc, into: &lines)
        if let recurrenceId = self.recurrenceId {
            self.addTime("RECURRENCE-ID", recurrenceId, utc: utc, into: &lines)
        } else if let rule = self.recurrenceRule {
            lines.add("RRULE", rule)
            for excluded in self.excludedStarts { self.addTime("EXDATE", excluded, utc: utc, into: &lines) }
        }
        lines.addText("SUMMARY", self.summary)
        if let description = self.description { lines.addText("DESCRIPTION", description) }
        if let url = self.url {
            lines.add("URL", url)
            lines.addText("LOCATION", url)
        }
        lines.add("STATUS", self.method == .cancel ? "CANCELLED" : "CONFIRMED")
        lines.add("ORGANIZER", "mailto:" + self.organizer.email, parameters: self.organizer.name.map { [("CN", $0)] } ?? [])
        for attendee in self.attendees {
            var parameters = [("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "TRUE")]
            if let name = attendee.name { parameters.insert(("CN", name), at: 0) }
            lines.add("ATTENDEE", "mailto:" + attendee.email, parameters: parameters)
        }
        lines.add("END", "VEVENT")
    }

    /// How far the VTIMEZONE's transitions must reach: a series' UNTIL, or
    /// two years past the start (calendars extrapolate the last rule).
    var lastRelevantDate: Date {
        max(self.end, self.start.addingTimeInterval(2 * 366 * 86_400))
    }

    private func addTime(_ name: String, _ date: Date, utc: Bool, into lines: inout ContentLines) {
        if utc {
            lines.add(name, ICSDate.utc(date))
        } else {
            lines.add(name, ICSDate.local(date, in: self.timeZone), parameters: [("TZID", self.timeZone.identifier)])
        }
    }
}
