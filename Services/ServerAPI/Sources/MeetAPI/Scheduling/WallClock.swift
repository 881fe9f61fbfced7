import Foundation

/// A local date and time without a zone (RFC 5545's "floating" time), and
/// its conversion to an instant in an IANA time zone.
///
/// Recurrences repeat at the same *wall-clock* time (9:00 every Monday stays
/// 9:00 across a DST change), so the expander does its arithmetic here and
/// converts each occurrence on its own. The conversion follows RFC 5545
/// §3.3.5: a time inside a spring-forward gap is read with the offset from
/// before the gap (02:30 becomes 03:30 where 02:00 jumps to 03:00); a time
/// that occurs twice at fall-back is the first of the two.
struct WallClock: Sendable, Equatable, Comparable {
    /// The wall-clock reading encoded as if it were UTC: day arithmetic on it
    /// in ``BasicDateTime/utcCalendar`` is exact (no DST there).
    var floating: Date

    init(floating: Date) {
        self.floating = floating
    }

    /// `instant`'s wall-clock reading in `timeZone`.
    init(_ instant: Date, in timeZone: TimeZone) {
        self.floating = instant.addingTimeInterval(TimeInterval(timeZone.secondsFromGMT(for: instant)))
    }

    static func < (lhs: WallClock, rhs: WallClock) -> Bool { lhs.floating < rhs.floating }

    /// The instant this wall-clock time names in `timeZone` (see the type's
    /// comment for gaps and overlaps).
    func instant(in timeZone: TimeZone) -> Date {
        // Any offset that is in force at `floating - offset` reads back as this
        // wall-clock time. The candidates: the offsets a day around it.
        let offsets = Set(
            [-86_400.0, 0, 86_400].map { timeZone.secondsFromGMT(for: self.floating.addingTimeInterval($0)) })
        let valid = offsets.map { self.floating.addingTimeInterval(-TimeInterval($0)) }
            .filter { timeZone.secondsFromGMT(for: $0) == Int(self.floating.timeIntervalSince($0)) }
        if let first = valid.min() { return first }
        // In a gap: the offset from before it (the one in force a day earlier).
        let before = timeZone.secondsFromGMT(for: self.floating.addingTimeInterval(-86_400))
        return self.floating.addingTimeInterval(-TimeInterval(before))
    }

    /// Whole days, weeks or months later (negative: earlier), keeping the
    /// time of day; `nil` where the calendar has no such date.
    func adding(_ component: Calendar.Component, _ value: Int) -> WallClock? {
        BasicDateTime.utcCalendar.date(byAdding: component, value: value, to: self.floating).map(WallClock.init(floating:))
    }

    var components: DateComponents {
        BasicDateTime.utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: self.floating)
    }

    var weekday: Weekday { Weekday(calendarWeekday: self.components.weekday!) }
}
