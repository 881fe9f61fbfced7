import Foundation
import MeetProtocol
import Testing
@testable import MeetAPI

/// The reports' arithmetic (issue #20, item 6), with a fixed clock, and
/// their CSV: seats open or closed, the meeting running or ended, the peak
/// of overlapping seats, a user's seats grouped by meeting, and CSV that a
/// spreadsheet cannot run.
@Suite("Reports")
struct ReportTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func row(_ name: String, from: Double, to: Double?) -> AttendanceRow {
        AttendanceRow(
            participantId: UUID(), userId: nil, displayName: name, role: .attendee,
            joinedAt: self.t0.addingTimeInterval(from), leftAt: to.map { self.t0.addingTimeInterval($0) })
    }

    @Test("seconds present, open seats to the end or now, the peak, and the duration")
    func attendance() {
        let rows = [self.row("Ann", from: 0, to: 600), self.row("Bo", from: 60, to: nil), self.row("Cy", from: 600, to: 900)]
        // Running meeting, now = t0 + 1000: Bo is still in.
        let now = self.t0.addingTimeInterval(1000)
        let entries = AttendanceReport.entries(rows, meetingEndedAt: nil, now: now)
        #expect(entries.map(\.displayName) == ["Ann", "Bo", "Cy"])
        #expect(entries.map(\.secondsPresent) == [600, 940, 300])
        // Ann leaves at 600 as Cy joins: a hand-over, not three at once.
        #expect(AttendanceReport.peak(rows, meetingEndedAt: nil, now: now) == 2)
        #expect(AttendanceReport.duration(rows, meetingEndedAt: nil, now: now) == 1000)
        // Ended at t0 + 800: Bo's open seat ends there.
        let ended = self.t0.addingTimeInterval(800)
        #expect(AttendanceReport.entries(rows, meetingEndedAt: ended, now: now).map(\.secondsPresent) == [600, 740, 300])
        #expect(AttendanceReport.duration([], meetingEndedAt: ended, now: now) == 0)
        #expect(AttendanceReport.peak([], meetingEndedAt: nil, now: now) == 0)
    }

    @Test("a user's seats are grouped by meeting, newest first, with the time in each")
    func user() {
        let a = UUID(), b = UUID()
        let seats = [
            ParticipationRow(meetingId: a, code: "aaa-aaaa-aaa", title: "A", meetingEndedAt: nil, joinedAt: self.t0, leftAt: self.t0.addingTimeInterval(100)),
            ParticipationRow(meetingId: a, code: "aaa-aaaa-aaa", title: "A", meetingEndedAt: nil, joinedAt: self.t0.addingTimeInterval(200), leftAt: self.t0.addingTimeInterval(250)),
            ParticipationRow(meetingId: b, code: "bbb-bbbb-bbb", title: "B", meetingEndedAt: self.t0.addingTimeInterval(5000), joinedAt: self.t0.addingTimeInterval(4000), leftAt: nil),
        ]
        let report = AttendanceReport.user(UUID(), hosted: 3, seats: seats, now: self.t0.addingTimeInterval(9000))
        #expect(report.meetingsHosted == 3 && report.meetingsAttended == 2)
        #expect(report.meetings.map(\.code) == ["bbb-bbbb-bbb", "aaa-aaaa-aaa"])
        #expect(report.meetings.map(\.secondsPresent) == [1000, 150])
        #expect(report.secondsInMeetings == 1150)
    }

    @Test("talk time is each seat's as stored, summed per meeting and in all for a user")
    func talkTime() {
        var ann = self.row("Ann", from: 0, to: 600)
        ann.talkSeconds = 312
        let rows = [ann, self.row("Bo", from: 60, to: nil)]
        let entries = AttendanceReport.entries(rows, meetingEndedAt: nil, now: self.t0.addingTimeInterval(700))
        #expect(entries.map(\.talkSeconds) == [312, 0])
        let a = UUID(), b = UUID()
        let seats = [
            ParticipationRow(meetingId: a, code: "aaa-aaaa-aaa", title: "A", meetingEndedAt: nil, joinedAt: self.t0, leftAt: self.t0.addingTimeInterval(100), talkSeconds: 40),
            ParticipationRow(meetingId: a, code: "aaa-aaaa-aaa", title: "A", meetingEndedAt: nil, joinedAt: self.t0.addingTimeInterval(200), leftAt: self.t0.addingTimeInterval(250), talkSeconds: 5),
            ParticipationRow(meetingId: b, code: "bbb-bbbb-bbb", title: "B", meetingEndedAt: nil, joinedAt: self.t0.addingTimeInterval(400), leftAt: self.t0.addingTimeInterval(500), talkSeconds: 0),
        ]
        let report = AttendanceReport.user(UUID(), hosted: 0, seats: seats, now: self.t0.addingTimeInterval(900))
        #expect(report.meetings.map(\.talkSeconds) == [0, 45])
        #expect(report.talkSeconds == 45)
    }

    @Test("CSV quotes what needs it, ends lines with CRLF, and defuses formulas")
    func csv() {
        let text = CSV.encode(header: ["name", "n"], rows: [["Ann, \"the\" host", "1"], ["=HYPERLINK(\"x\")", "2"], ["-1", "3"], ["two\nlines", "4"]])
        #expect(text == "name,n\r\n\"Ann, \"\"the\"\" host\",1\r\n\"'=HYPERLINK(\"\"x\"\")\",2\r\n'-1,3\r\n\"two\nlines\",4\r\n")
    }
}
