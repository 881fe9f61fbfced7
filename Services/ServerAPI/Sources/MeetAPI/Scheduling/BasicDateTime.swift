import Foundation
import MeetMail

/// RFC 5545's basic UTC date-time form (§3.3.5), `20261205T093000Z`: UNTIL,
/// and occurrence ids (the UTC start of the occurrence as the series first
/// had it, the RECURRENCE-ID of calendars). Written by MeetMail's `ICSDate`.
enum BasicDateTime {
    /// Gregorian in UTC: the calendar of every wall-clock computation here.
    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYYMMDDTHHMMSSZ` of `date` (whole seconds, rounded down).
    static func utc(_ date: Date) -> String { ICSDate.utc(date) }

    /// Parses `YYYYMMDDTHHMMSSZ`; nil for anything else, or for a date that
    /// does not exist (20260230…), or seconds past 59.
    static func parse(_ text: some StringProtocol) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            year >= 1, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = self.utcCalendar.date(from: components),
            self.utcCalendar.component(.day, from: date) == day
        else { return nil }
        return date
    }
}
