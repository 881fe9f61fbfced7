import Foundation

/// A subscribable calendar (RFC 5545 `METHOD:PUBLISH`): many events, one
/// `VTIMEZONE` per zone they use. What a user's secret feed URL serves.
public struct CalendarFeed: Sendable {
    public var name: String
    public var events: [CalendarInvite]
    public var productId = "-//Meet//Meet scheduling//EN"

    public init(name: String, events: [CalendarInvite]) {
        self.name = name
        self.events = events
    }

    public var text: String {
        var lines = ContentLines()
        CalendarInvite.writeHeader(method: "PUBLISH", productId: self.productId, into: &lines)
        lines.addText("X-WR-CALNAME", self.name)
        var zones: [String: (TimeZone, Date, Date)] = [:]
        for event in self.events where !event.isUTC {
            let id = event.timeZone.identifier
            let known = zones[id]
            zones[id] = (event.timeZone, min(known?.1 ?? event.start, event.start), max(known?.2 ?? event.lastRelevantDate, event.lastRelevantDate))
        }
        for id in zones.keys.sorted() {
            let (zone, from, through) = zones[id]!
            VTimeZone(timeZone: zone, from: from, through: through).write(into: &lines)
        }
        for event in self.events { event.writeEvent(into: &lines) }
        lines.add("END", "VCALENDAR")
        return lines.text
    }
}
