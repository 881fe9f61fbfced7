import Foundation
import Testing
@testable import MeetAPI

/// RFC 5545 §3.3.10 RRULE subset: what parses, what is refused, and the
/// canonical text written back.
@Suite("Recurrence rule")
struct RecurrenceRuleTests {
    @Test("the supported parts parse into a typed rule, in any order and case")
    func parses() throws {
        let weekly = try RecurrenceRule(parsing: "rrule:byday=we,mo;FREQ=WEEKLY;INTERVAL=2;COUNT=10")
        #expect(weekly == RecurrenceRule(frequency: .weekly, interval: 2, byDay: [.monday, .wednesday], end: .count(10)))
        #expect(weekly.text == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10")

        let daily = try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20261231T235959Z")
        #expect(daily.end == .until(BasicDateTime.parse("20261231T235959Z")!))
        #expect(daily.text == "FREQ=DAILY;UNTIL=20261231T235959Z")

        // A date-only UNTIL covers that whole UTC day.
        let monthly = try RecurrenceRule(parsing: "FREQ=MONTHLY;UNTIL=20270115")
        #expect(monthly.end == .until(BasicDateTime.parse("20270115T235959Z")!))
        #expect(try RecurrenceRule(parsing: "FREQ=DAILY").end == .never)
    }

    @Test(
        "everything outside the subset is refused with the part named",
        arguments: [
            ("", RecurrenceRuleError.empty),
            ("FREQ=YEARLY", .unsupportedFrequency("YEARLY")),
            ("FREQ=HOURLY", .unsupportedFrequency("HOURLY")),
            ("INTERVAL=2", .missingFrequency),
            ("FREQ=DAILY;FREQ=WEEKLY", .duplicatePart("FREQ")),
            ("FREQ=DAILY;;COUNT=2", .malformedPart("")),
            ("FREQ=DAILY;COUNT", .malformedPart("COUNT")),
            ("FREQ=DAILY;BYMONTHDAY=1", .unsupportedPart("BYMONTHDAY")),
            ("FREQ=WEEKLY;WKST=SU", .unsupportedPart("WKST")),
            ("FREQ=DAILY;INTERVAL=0", .invalidInterval("0")),
            ("FREQ=DAILY;INTERVAL=100", .invalidInterval("100")),
            ("FREQ=DAILY;INTERVAL=-1", .invalidInterval("-1")),
            ("FREQ=DAILY;BYDAY=MO", .byDayRequiresWeekly),
            ("FREQ=WEEKLY;BYDAY=1MO", .invalidWeekday("1MO")),
            ("FREQ=WEEKLY;BYDAY=MO,", .invalidWeekday("")),
            ("FREQ=DAILY;COUNT=0", .invalidCount("0")),
            ("FREQ=DAILY;COUNT=731", .invalidCount("731")),
            ("FREQ=DAILY;COUNT=+5", .invalidCount("+5")),
            ("FREQ=DAILY;UNTIL=20260230T000000Z", .invalidUntil("20260230T000000Z")),
            ("FREQ=DAILY;UNTIL=20261231T120000", .invalidUntil("20261231T120000")),
            ("FREQ=DAILY;COUNT=3;UNTIL=20261231", .countAndUntil),
        ])
    func refuses(text: String, expected: RecurrenceRuleError) {
        #expect(throws: expected) { try RecurrenceRule(parsing: text) }
    }

    @Test("a rule longer than the limit is refused before it is looked at")
    func tooLong() {
        let text = "FREQ=DAILY;" + String(repeating: "X", count: 300)
        #expect(throws: RecurrenceRuleError.tooLong(RecurrenceRule.maxLength)) { try RecurrenceRule(parsing: text) }
    }

    @Test("every error message names what is wrong")
    func messages() {
        #expect(RecurrenceRuleError.unsupportedPart("BYSETPOS").message.contains("BYSETPOS"))
        #expect(RecurrenceRuleError.invalidCount("0").message.contains("1 to 730"))
    }
}
