import Foundation
import MeetProtocol

/// A schedule's occurrences in a window, with its exceptions applied:
/// what `GET …/occurrences` and `GET /v1/meetings/upcoming` show.
///
/// Pure: the expander gives the original starts; an exception cancels an
/// occurrence (it stays listed, `cancelled`, so clients can show it struck
/// out) or moves it (listed where it now is, also when only its new time
/// falls in the window).
struct ScheduleOccurrences: Sendable {
    var schedule: ScheduleRecord
    var exceptions: [OccurrenceException]

    /// Occurrences overlapping `from..<to`, ordered by start, at most `limit`.
    func list(from: Date, to: Date, limit: Int, includeCancelled: Bool = true) -> [OccurrenceResponse] {
        let duration = self.schedule.endsAt.timeIntervalSince(self.schedule.startsAt)
        let byOriginal = Dictionary(self.exceptions.map { ($0.originalStart, $0) }, uniquingKeysWith: { _, last in last })
        var seen = Set<Date>()
        var items: [OccurrenceResponse] = []
        // Expand enough to survive the exceptions that drop out of the window.
        let originals = self.schedule.expander.starts(overlapping: from, to, limit: limit + self.exceptions.count)
        for start in originals {
            seen.insert(start)
            items.append(self.occurrence(original: start, duration: duration, exception: byOriginal[start]))
        }
        // Moved into the window from outside it.
        for exception in self.exceptions where !seen.contains(exception.originalStart) && !exception.cancelled {
            guard let newStart = exception.startsAt, newStart < to, (exception.endsAt ?? newStart) > from,
                self.schedule.expander.isOccurrence(exception.originalStart)
            else { continue }
            items.append(self.occurrence(original: exception.originalStart, duration: duration, exception: exception))
        }
        return items
            .filter { $0.startsAt < to && $0.endsAt > from && (includeCancelled || $0.status != .cancelled) }
            .sorted { ($0.startsAt, $0.id) < ($1.startsAt, $1.id) }
            .prefix(limit).map { $0 }
    }

    private func occurrence(original: Date, duration: TimeInterval, exception: OccurrenceException?) -> OccurrenceResponse {
        let id = BasicDateTime.utc(original)
        guard let exception else {
            return OccurrenceResponse(id: id, startsAt: original, endsAt: original.addingTimeInterval(duration), status: .scheduled)
        }
        if exception.cancelled {
            return OccurrenceResponse(id: id, startsAt: original, endsAt: original.addingTimeInterval(duration), status: .cancelled)
        }
        let start = exception.startsAt ?? original
        return OccurrenceResponse(
            id: id, startsAt: start, endsAt: exception.endsAt ?? start.addingTimeInterval(duration), status: .moved)
    }
}
