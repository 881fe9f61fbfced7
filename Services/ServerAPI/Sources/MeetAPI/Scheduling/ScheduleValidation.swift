import Foundation
import MeetProtocol

/// Field rules of the scheduling routes, each throwing a 422 that names the
/// field (and, for a recurrence rule, the part at fault).
enum ScheduleValidation {
    /// Schedules live between these (a typo of a year is caught, not stored).
    static let earliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z
    static let latest = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01T00:00:00Z

    /// An RFC 3339 date-time (`2026-12-07T09:00:00+01:00`, `…Z`, optional
    /// fractional seconds), from 2000 to 2199.
    static func dateTime(_ raw: String, field: String) throws -> Date {
        let text = raw.uppercased()
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard text.utf8.count <= 40, let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw APIError.validation(field, "must be an RFC 3339 date-time such as 2026-12-07T09:00:00Z")
        }
        guard date >= Self.earliest, date < Self.latest else {
            throw APIError.validation(field, "must be from the year 2000 to 2199")
        }
        // Whole seconds: what ICS files and occurrence ids can say.
        return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `startsAt` before `endsAt`, at most ``ScheduleLimits/maxDuration`` apart.
    static func interval(_ startsAt: String, _ endsAt: String) throws -> (Date, Date) {
        let start = try self.dateTime(startsAt, field: "startsAt")
        let end = try self.dateTime(endsAt, field: "endsAt")
        guard end > start else { throw APIError.validation("endsAt", "must be after startsAt") }
        guard end.timeIntervalSince(start) <= ScheduleLimits.maxDuration else {
            throw APIError.validation("endsAt", "must be at most 7 days after startsAt")
        }
        return (start, end)
    }

    /// An IANA time zone name the server's tz database knows (`Europe/Berlin`,
    /// `UTC`); abbreviations (`CET`, `EST`) and offsets are refused, as their
    /// meaning is ambiguous or has no DST rules.
    static func timeZone(_ raw: String, field: String = "timeZone") throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        let shaped = (1...64).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || "0123456789/_+-".unicodeScalars.contains($0)) }
                // Linux's Foundation reports UTC as GMT; every other name must come back as itself.
        guard shaped, name == "UTC" || name.contains("/"), let zone = TimeZone(identifier: name), zone.identifier == name || name == "UTC"
        else {
            throw APIError.validation(field, "must be an IANA time zone name such as Europe/Berlin or UTC")
        }
        return name
    }

    /// Agenda text: trimmed, at most 4000 code points, no control characters
    /// but line breaks and tabs; empty means none.
    static func description(_ raw: String?, field: String = "description") throws -> String? {
        guard let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= ScheduleLimits.descriptionCharacters else {
            throw APIError.validation(field, "must be at most \(ScheduleLimits.descriptionCharacters) characters")
        }
        let allowed: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) else {
            throw APIError.validation(field, "must not contain control characters other than line breaks and tabs")
        }
        return text
    }

    /// A recurrence rule (see ``RecurrenceRule``); nil or empty for none.
    static func recurrence(_ raw: String?, field: String = "recurrence") throws -> RecurrenceRule? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do {
            return try RecurrenceRule(parsing: raw)
        } catch {
            throw APIError.validation(field, error.message)
        }
    }

    /// The whole body of `PUT …/schedule`.
    static func schedule(_ body: ScheduleRequest) throws -> NewSchedule {
        let (start, end) = try self.interval(body.startsAt, body.endsAt)
        let zone = try self.timeZone(body.timeZone)
        let rule = try self.recurrence(body.recurrence)
        if case .until(let until) = rule?.end, until < start {
            throw APIError.validation("recurrence", "has UNTIL before startsAt")
        }
        return NewSchedule(startsAt: start, endsAt: end, timeZone: zone, description: try self.description(body.description), rule: rule)
    }

    /// An occurrence id (`20261207T080000Z`) that names an occurrence of `schedule`.
    static func occurrence(_ raw: String?, of schedule: ScheduleRecord) throws -> Date {
        guard let raw, let start = BasicDateTime.parse(raw), schedule.expander.isOccurrence(start) else {
            throw APIError(.notFound, "no such occurrence")
        }
        return start
    }

    /// A window from the query (`from`, `to`, RFC 3339): `from` defaults to
    /// `now`, `to` to `defaultLength` after it; at most a year long.
    static func window(from: String?, to: String?, now: Date, defaultLength: TimeInterval) throws -> (Date, Date) {
        let start = try from.map { try self.dateTime($0, field: "from") } ?? now
        let end = try to.map { try self.dateTime($0, field: "to") } ?? start.addingTimeInterval(defaultLength)
        guard end > start else { throw APIError.validation("to", "must be after from") }
        guard end.timeIntervalSince(start) <= ScheduleLimits.maxWindow else {
            throw APIError.validation("to", "must be at most 366 days after from")
        }
        return (start, end)
    }
}
