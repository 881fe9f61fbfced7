import Foundation
import Testing
@testable import MeetAPI

/// The sans-I/O expander: wall-clock recurrence in IANA zones, DST gaps and
/// overlaps (RFC 5545 §3.3.5), COUNT/UNTIL, month ends, windows far from DTSTART.
@Suite("Occurrence expander")
struct OccurrenceExpanderTests {
    static func utc(_ text: String) -> Date { BasicDateTime.parse(text)! }
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    func expand(
        _ start: String, _ rule: String?, zone: TimeZone, from: String, to: String, limit: Int = 100, hours: Double = 1
    ) throws -> [String] {
        let expander = OccurrenceExpander(
            start: Self.utc(start), duration: hours * 3600, timeZone: zone, rule: try rule.map { try RecurrenceRule(parsing: $0) })
        return expander.starts(overlapping: Self.utc(from), Self.utc(to), limit: limit).map(BasicDateTime.utc)
    }

    @Test("a single meeting is one occurrence, in the window or not")
    func single() throws {
        #expect(try self.expand("20261207T080000Z", nil, zone: Self.berlin, from: "20261201T000000Z", to: "20261231T000000Z")
            == ["20261207T080000Z"])
        #expect(try self.expand("20261207T080000Z", nil, zone: Self.berlin, from: "20261208T000000Z", to: "20261231T000000Z")
            .isEmpty)
        // Under way at `from`: it overlaps the window.
        #expect(try self.expand("20261207T080000Z", nil, zone: Self.berlin, from: "20261207T083000Z", to: "20261231T000000Z")
            == ["20261207T080000Z"])
    }

    @Test("weekly at 09:00 Berlin keeps its wall-clock time across the March and October DST changes")
    func weeklyAcrossDST() throws {
        // Monday 2027-03-22 09:00 CET (08:00Z); DST starts Sunday 2027-03-28.
        let starts = try self.expand(
            "20270322T080000Z", "FREQ=WEEKLY;COUNT=3", zone: Self.berlin, from: "20270301T000000Z", to: "20270501T000000Z")
        #expect(starts == ["20270322T080000Z", "20270329T070000Z", "20270405T070000Z"])
        // Monday 2027-10-25 is the first after DST ends (Sunday 2027-10-31 is the change; 10-25 still CEST).
        let autumn = try self.expand(
            "20271025T070000Z", "FREQ=WEEKLY;COUNT=2", zone: Self.berlin, from: "20271001T000000Z", to: "20271201T000000Z")
        #expect(autumn == ["20271025T070000Z", "20271101T080000Z"])
    }

    @Test("a time in the spring-forward gap is read with the offset from before it (02:30 → 03:30 local)")
    func springGap() throws {
        // Daily 02:30 New York from 2027-03-13 (EST, 07:30Z); 2027-03-14 02:30 does not exist.
        let starts = try self.expand(
            "20270313T073000Z", "FREQ=DAILY;COUNT=3", zone: Self.newYork, from: "20270301T000000Z", to: "20270401T000000Z")
        #expect(starts == ["20270313T073000Z", "20270314T073000Z", "20270315T063000Z"])
    }

    @Test("a time that occurs twice at fall-back is the first of the two")
    func fallOverlap() throws {
        // Daily 01:30 New York; 2027-11-07 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
        let starts = try self.expand(
            "20271106T053000Z", "FREQ=DAILY;COUNT=3", zone: Self.newYork, from: "20271101T000000Z", to: "20271201T000000Z")
        #expect(starts == ["20271106T053000Z", "20271107T053000Z", "20271108T063000Z"])
    }

    @Test("weekly BYDAY walks the days of each week in order, from DTSTART on, every INTERVAL weeks")
    func weeklyByDay() throws {
        // Wednesday 2026-12-02 10:00 UTC; MO,WE,FR every 2 weeks, 5 in all.
        let starts = try self.expand(
            "20261202T100000Z", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO,WE;COUNT=5", zone: TimeZone(identifier: "UTC")!,
            from: "20261101T000000Z", to: "20270301T000000Z")
        #expect(starts == ["20261202T100000Z", "20261204T100000Z", "20261214T100000Z", "20261216T100000Z", "20261218T100000Z"])
    }

    @Test("monthly on the 31st skips the months without one (RFC 5545), and UNTIL is inclusive")
    func monthlySkipsShortMonths() throws {
        let starts = try self.expand(
            "20270131T120000Z", "FREQ=MONTHLY;UNTIL=20270731T120000Z", zone: TimeZone(identifier: "UTC")!,
            from: "20270101T000000Z", to: "20280101T000000Z")
        #expect(starts == ["20270131T120000Z", "20270331T120000Z", "20270531T120000Z", "20270731T120000Z"])
    }

    @Test("COUNT counts occurrences before the window too")
    func countBeforeWindow() throws {
        let starts = try self.expand(
            "20270101T090000Z", "FREQ=DAILY;COUNT=10", zone: TimeZone(identifier: "UTC")!,
            from: "20270108T000000Z", to: "20270201T000000Z")
        #expect(starts == ["20270108T090000Z", "20270109T090000Z", "20270110T090000Z"])
    }

    @Test("an endless series begun long ago expands straight into a window years later, bounded by the limit")
    func farWindow() throws {
        let starts = try self.expand(
            "20000103T090000Z", "FREQ=DAILY;INTERVAL=3", zone: TimeZone(identifier: "UTC")!,
            from: "20300101T000000Z", to: "20310101T000000Z", limit: 4)
        #expect(starts.count == 4)
        // 2000-01-03 + 3k days: 2030-01-01 is day 10956 = 3 × 3652, so it is one.
        #expect(starts.first == "20300101T090000Z")
        #expect(starts[1] == "20300104T090000Z")
    }

    @Test("an occurrence id is an original start of the series; others are not")
    func isOccurrence() throws {
        let expander = OccurrenceExpander(
            start: Self.utc("20270322T080000Z"), duration: 3600, timeZone: Self.berlin,
            rule: try RecurrenceRule(parsing: "FREQ=WEEKLY;COUNT=3"))
        #expect(expander.isOccurrence(Self.utc("20270329T070000Z")))
        #expect(!expander.isOccurrence(Self.utc("20270329T080000Z")))
        #expect(!expander.isOccurrence(Self.utc("20270412T070000Z")))  // the 4th, past COUNT
    }

    @Test("wall clock to instant and back", arguments: ["20270328T003000Z", "20270328T013000Z", "20271031T003000Z", "20271031T013000Z"])
    func roundTrip(text: String) {
        let instant = Self.utc(text)
        let clock = WallClock(instant, in: Self.berlin)
        #expect(clock.instant(in: Self.berlin) == instant || WallClock(clock.instant(in: Self.berlin), in: Self.berlin) == clock)
    }
}
