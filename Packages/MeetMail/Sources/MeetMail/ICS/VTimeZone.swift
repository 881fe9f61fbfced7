import Foundation

/// A `VTIMEZONE` (RFC 5545 §3.6.5) written from the server's tz database:
/// one `STANDARD` or `DAYLIGHT` observance per actual transition between two
/// dates, each with its own DTSTART and no RRULE, plus the offset in force
/// at the start. Explicit transitions need no rule inference and are valid
/// for any zone, also those whose rules changed.
struct VTimeZone: Sendable {
    var timeZone: TimeZone
    var from: Date
    var through: Date
    /// Transitions written at most; a zone changes at most twice a year.
    static let maxTransitions = 40

    func write(into lines: inout ContentLines) {
        lines.add("BEGIN", "VTIMEZONE")
        lines.add("TZID", self.timeZone.identifier)
        // The offset in force before the first date, from a year earlier, so
        // a calendar reading DTSTART knows it.
        let before = self.from.addingTimeInterval(-366 * 86_400)
        let initial = self.timeZone.secondsFromGMT(for: before)
        self.observance(
            at: before, from: initial, to: initial, daylight: self.timeZone.isDaylightSavingTime(for: before), into: &lines)
        var cursor = before
        for _ in 0..<Self.maxTransitions {
            guard let next = self.timeZone.nextDaylightSavingTimeTransition(after: cursor), next <= self.through else { break }
            let fromOffset = self.timeZone.secondsFromGMT(for: next.addingTimeInterval(-1))
            let toOffset = self.timeZone.secondsFromGMT(for: next)
            self.observance(
                at: next, from: fromOffset, to: toOffset, daylight: self.timeZone.isDaylightSavingTime(for: next), into: &lines)
            cursor = next
        }
        lines.add("END", "VTIMEZONE")
    }

    /// DTSTART of an observance is the local time *before* the change (§3.6.5).
    private func observance(at instant: Date, from: Int, to: Int, daylight: Bool, into lines: inout ContentLines) {
        let kind = daylight ? "DAYLIGHT" : "STANDARD"
        lines.add("BEGIN", kind)
        lines.add("DTSTART", ICSDate.local(instant, in: TimeZone(secondsFromGMT: from)!))
        lines.add("TZOFFSETFROM", Self.offset(from))
        lines.add("TZOFFSETTO", Self.offset(to))
        if let name = self.timeZone.abbreviation(for: instant) { lines.addText("TZNAME", name) }
        lines.add("END", kind)
    }

    /// `+0100`, `-0430`.
    static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        let hh = minutes / 60, mm = minutes % 60
        return sign + (hh < 10 ? "0" : "") + String(hh) + (mm < 10 ? "0" : "") + String(mm)
    }
}
