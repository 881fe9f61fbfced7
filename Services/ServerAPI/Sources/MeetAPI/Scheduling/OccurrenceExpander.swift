import Foundation

/// Expands a schedule into the start instants of its occurrences within a
/// window: sans-I/O (no clock, no database), so the tests drive it with any
/// dates and zones.
///
/// The rule repeats DTSTART's *wall-clock* time in the series' time zone
/// (``WallClock``), so a 09:00 weekly meeting in Europe/Berlin is at 08:00
/// UTC in winter and 07:00 UTC in summer. Periods are counted from DTSTART
/// (day, Monday-based week, month); COUNT counts every occurrence from
/// DTSTART, also those before the window, as RFC 5545 does. Without COUNT
/// the expander jumps straight to the window, so a daily series begun years
/// ago costs no more than a new one.
struct OccurrenceExpander: Sendable {
    var start: Date
    var duration: TimeInterval
    var timeZone: TimeZone
    var rule: RecurrenceRule?

    /// The most periods (days, weeks, months) one call walks; far more than
    /// any window the API allows needs.
    static let maxPeriods = 20_000

    /// Original starts of the occurrences that overlap `from..<to`
    /// (start before `to`, end after `from`), in order, at most `limit`.
    func starts(overlapping from: Date, _ to: Date, limit: Int) -> [Date] {
        guard limit > 0, from < to else { return [] }
        guard let rule = self.rule else {
            return self.overlaps(self.start, from, to) ? [self.start] : []
        }
        let base = WallClock(self.start, in: self.timeZone)
        var result: [Date] = []
        var emitted = 0
        var period = self.firstPeriod(rule: rule, base: base, from: from)
        for _ in 0..<Self.maxPeriods {
            for candidate in self.candidates(rule: rule, base: base, period: period) {
                let instant = candidate.instant(in: self.timeZone)
                switch rule.end {
                case .until(let until) where instant > until: return result
                case .count(let count):
                    emitted += 1
                    if emitted > count { return result }
                default: break
                }
                if instant >= to { return result }
                if self.overlaps(instant, from, to) {
                    result.append(instant)
                    if result.count == limit { return result }
                }
            }
            period += 1
        }
        return result
    }

    /// Whether `start` is an original start of this series (for occurrence
    /// ids in URLs): expands the instant's own small window.
    func isOccurrence(_ instant: Date) -> Bool {
        self.starts(overlapping: instant, instant.addingTimeInterval(1), limit: 10).contains(instant)
    }

    private func overlaps(_ start: Date, _ from: Date, _ to: Date) -> Bool {
        start < to && start.addingTimeInterval(max(self.duration, 1)) > from
    }

    /// The first period worth walking: 0 with COUNT (every occurrence
    /// counts), else a period or so before the window's earliest overlap.
    private func firstPeriod(rule: RecurrenceRule, base: WallClock, from: Date) -> Int {
        if case .count = rule.end { return 0 }
        // A day of slack on each side covers any UTC offset.
        let earliest = WallClock(floating: from.addingTimeInterval(-self.duration - 2 * 86_400))
        guard earliest > base else { return 0 }
        let unit: Calendar.Component = switch rule.frequency {
        case .daily: .day
        case .weekly: .weekOfYear
        case .monthly: .month
        }
        let anchor = rule.frequency == .weekly ? self.weekStart(of: base) : base
        let elapsed = BasicDateTime.utcCalendar.dateComponents([unit], from: anchor.floating, to: earliest.floating)
        let count = elapsed.value(for: unit) ?? 0
        return max(0, count / rule.interval - 1)
    }

    /// The wall-clock starts of period `period`, in order.
    private func candidates(rule: RecurrenceRule, base: WallClock, period: Int) -> [WallClock] {
        let step = period * rule.interval
        switch rule.frequency {
        case .daily:
            return base.adding(.day, step).map { [$0] } ?? []
        case .weekly:
            guard let week = self.weekStart(of: base).adding(.day, 7 * step) else { return [] }
            let days = rule.byDay.isEmpty ? [base.weekday] : rule.byDay
            return days.compactMap { week.adding(.day, $0.offsetFromMonday) }.filter { $0 >= base }
        case .monthly:
            // Not Calendar's month addition, which clamps Jan 31 to Feb 28:
            // RFC 5545 skips a month without DTSTART's day.
            var components = base.components
            let day = components.day!
            let months = components.month! - 1 + step
            components.year! += months >= 0 ? months / 12 : (months - 11) / 12
            components.month = ((months % 12) + 12) % 12 + 1
            components.weekday = nil
            guard let date = BasicDateTime.utcCalendar.date(from: components),
                BasicDateTime.utcCalendar.component(.day, from: date) == day
            else { return [] }
            return [WallClock(floating: date)]
        }
    }

    /// Monday of `clock`'s week, same time of day (WKST=MO).
    private func weekStart(of clock: WallClock) -> WallClock {
        clock.adding(.day, -clock.weekday.offsetFromMonday) ?? clock
    }
}
