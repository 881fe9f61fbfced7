import Foundation

/// The subset of an RFC 5545 recurrence rule (§3.3.10, `RRULE`) that Meet
/// schedules with, parsed into a typed value:
///
/// ```
/// FREQ=DAILY|WEEKLY|MONTHLY        required
/// INTERVAL=1..99                   default 1
/// BYDAY=MO,TU,...                  WEEKLY only, plain weekdays (no "1MO", "-1FR")
/// COUNT=1..730  |  UNTIL=date      at most one of them; neither: no end
/// ```
///
/// UNTIL is `YYYYMMDD` (inclusive through that day, in UTC) or
/// `YYYYMMDDTHHMMSSZ` (UTC, §3.3.5 form 2, as §3.3.10 requires once DTSTART
/// has a time zone). Anything else (BYMONTHDAY, BYSETPOS, WKST, YEARLY, a
/// second FREQ, …) is refused with a ``RecurrenceRuleError`` that names the
/// part, rather than being silently ignored: a rule the server cannot expand
/// exactly would put different dates in Meet and in the invitees' calendars.
/// Monthly rules repeat on DTSTART's day of the month and skip months that
/// have no such day (§3.3.10: invalid dates are ignored).
struct RecurrenceRule: Sendable, Equatable {
    enum Frequency: String, Sendable, Equatable {
        case daily = "DAILY", weekly = "WEEKLY", monthly = "MONTHLY"
    }

    /// How a series ends.
    enum End: Sendable, Equatable {
        case never
        /// After this many occurrences, counting from DTSTART.
        case count(Int)
        /// No occurrence starts after this instant.
        case until(Date)
    }

    static let intervals = 1...99
    static let counts = 1...730
    /// The longest rule text accepted (the canonical form is far shorter).
    static let maxLength = 200

    var frequency: Frequency
    var interval: Int = 1
    /// WEEKLY only; empty means DTSTART's weekday. Kept in week order.
    var byDay: [Weekday] = []
    var end: End = .never

    /// Parses `text` (case-insensitive, an optional leading `RRULE:`).
    init(parsing text: String) throws(RecurrenceRuleError) {
        guard text.utf8.count <= Self.maxLength else { throw .tooLong(Self.maxLength) }
        var body = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        if body.hasPrefix("RRULE:") { body = body.dropFirst(6) }
        guard !body.isEmpty else { throw .empty }
        var parts: [String: Substring] = [:]
        for part in body.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { throw .malformedPart(String(part)) }
            let name = String(pair[0])
            guard ["FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"].contains(name) else { throw .unsupportedPart(name) }
            guard parts.updateValue(pair[1], forKey: name) == nil else { throw .duplicatePart(name) }
        }
        guard let rawFrequency = parts["FREQ"] else { throw .missingFrequency }
        guard let frequency = Frequency(rawValue: String(rawFrequency)) else { throw .unsupportedFrequency(String(rawFrequency)) }
        self.frequency = frequency
        if let raw = parts["INTERVAL"] {
            guard let interval = Self.number(raw), Self.intervals.contains(interval) else { throw .invalidInterval(String(raw)) }
            self.interval = interval
        }
        if let raw = parts["BYDAY"] {
            guard frequency == .weekly else { throw .byDayRequiresWeekly }
            var days = Set<Weekday>()
            for token in raw.split(separator: ",", omittingEmptySubsequences: false) {
                guard let day = Weekday(rawValue: String(token)) else { throw .invalidWeekday(String(token)) }
                days.insert(day)
            }
            self.byDay = Weekday.allCases.filter(days.contains)
        }
        switch (parts["COUNT"], parts["UNTIL"]) {
        case (nil, nil): self.end = .never
        case (let raw?, nil):
            guard let count = Self.number(raw), Self.counts.contains(count) else { throw .invalidCount(String(raw)) }
            self.end = .count(count)
        case (nil, let raw?):
            guard let until = Self.until(raw) else { throw .invalidUntil(String(raw)) }
            self.end = .until(until)
        case (.some, .some): throw .countAndUntil
        }
    }

    init(frequency: Frequency, interval: Int = 1, byDay: [Weekday] = [], end: End = .never) {
        self.frequency = frequency
        self.interval = interval
        self.byDay = byDay
        self.end = end
    }

    /// The canonical text, as stored and as written into ICS files
    /// (UNTIL always in the UTC date-time form).
    var text: String {
        var parts = ["FREQ=\(self.frequency.rawValue)"]
        if self.interval != 1 { parts.append("INTERVAL=\(self.interval)") }
        if !self.byDay.isEmpty { parts.append("BYDAY=" + self.byDay.map(\.rawValue).joined(separator: ",")) }
        switch self.end {
        case .never: break
        case .count(let count): parts.append("COUNT=\(count)")
        case .until(let until): parts.append("UNTIL=" + BasicDateTime.utc(until))
        }
        return parts.joined(separator: ";")
    }

    /// Plain decimal digits only (no sign, no spaces), at most 4 of them.
    private static func number(_ raw: Substring) -> Int? {
        guard (1...4).contains(raw.count), raw.allSatisfy(\.isASCII), raw.allSatisfy(\.isNumber) else { return nil }
        return Int(raw)
    }

    /// `YYYYMMDD` (the end of that UTC day) or `YYYYMMDDTHHMMSSZ`.
    private static func until(_ raw: Substring) -> Date? {
        if raw.count == 8, let day = BasicDateTime.parse(raw + "T000000Z") {
            return day.addingTimeInterval(86_400 - 1)
        }
        return BasicDateTime.parse(raw)
    }
}

/// What is wrong with a recurrence rule; ``message`` is what the 422 says.
enum RecurrenceRuleError: Error, Sendable, Equatable {
    case empty
    case tooLong(Int)
    case malformedPart(String)
    case unsupportedPart(String)
    case duplicatePart(String)
    case missingFrequency
    case unsupportedFrequency(String)
    case invalidInterval(String)
    case byDayRequiresWeekly
    case invalidWeekday(String)
    case invalidCount(String)
    case invalidUntil(String)
    case countAndUntil

    var message: String {
        switch self {
        case .empty: "is empty"
        case .tooLong(let limit): "is longer than \(limit) bytes"
        case .malformedPart(let part): "has a malformed part '\(part)' (expected NAME=VALUE separated by ';')"
        case .unsupportedPart(let name): "uses \(name), which is not supported (FREQ, INTERVAL, BYDAY, COUNT, UNTIL are)"
        case .duplicatePart(let name): "names \(name) twice"
        case .missingFrequency: "has no FREQ"
        case .unsupportedFrequency(let value): "has FREQ=\(value); only DAILY, WEEKLY and MONTHLY are supported"
        case .invalidInterval(let value): "has INTERVAL=\(value); it must be an integer from 1 to 99"
        case .byDayRequiresWeekly: "uses BYDAY, which is supported with FREQ=WEEKLY only"
        case .invalidWeekday(let value): "has BYDAY day '\(value)'; days are MO, TU, WE, TH, FR, SA, SU"
        case .invalidCount(let value): "has COUNT=\(value); it must be an integer from 1 to 730"
        case .invalidUntil(let value): "has UNTIL=\(value); it must be YYYYMMDD or YYYYMMDDTHHMMSSZ (UTC)"
        case .countAndUntil: "has both COUNT and UNTIL; at most one is allowed"
        }
    }
}

/// RFC 5545 weekdays, in week order starting Monday (the default WKST).
enum Weekday: String, Sendable, CaseIterable, Hashable {
    case monday = "MO", tuesday = "TU", wednesday = "WE", thursday = "TH", friday = "FR", saturday = "SA", sunday = "SU"

    /// Days after Monday (0...6).
    var offsetFromMonday: Int { Weekday.allCases.firstIndex(of: self)! }

    /// From Foundation's `Calendar` weekday number (1 = Sunday … 7 = Saturday).
    init(calendarWeekday: Int) {
        self = Weekday.allCases[(calendarWeekday + 5) % 7]
    }
}
