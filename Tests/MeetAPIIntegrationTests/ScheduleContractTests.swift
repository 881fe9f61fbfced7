import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Testing
@testable import MeetAPI

/// ``ScheduleRepository`` on both storages: the series, its exceptions and
/// sequence, the member scan behind `GET /v1/meetings/upcoming`.
@Suite("Schedule storage contract")
struct ScheduleContractTests {
    static func date(_ text: String) -> Date { BasicDateTime.parse(text)! }

    @Test("save, replace, exceptions, sequence, delete", arguments: StorageContractTests.Backend.allCases)
    func lifecycle(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            let rule = try RecurrenceRule(parsing: "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20271231T000000Z")
            let new = NewSchedule(
                startsAt: Self.date("20270104T080000Z"), endsAt: Self.date("20270104T090000Z"), timeZone: "Europe/Berlin",
                description: "agenda", rule: rule)
            #expect(try await storage.schedules.find(meetingId: meeting.id) == nil)
            let saved = try await storage.schedules.save(meetingId: meeting.id, new)
            #expect(saved.sequence == 0)
            #expect(saved.rule == rule)
            #expect(saved.startsAt == new.startsAt)
            #expect(try await storage.schedules.find(meetingId: meeting.id) == saved)

            let cancelled = OccurrenceException(originalStart: Self.date("20270107T080000Z"), cancelled: true)
            let moved = OccurrenceException(
                originalStart: Self.date("20270111T080000Z"), cancelled: false, startsAt: Self.date("20270111T120000Z"),
                endsAt: Self.date("20270111T130000Z"))
            #expect(try await storage.schedules.saveException(meetingId: meeting.id, cancelled)?.sequence == 1)
            #expect(try await storage.schedules.saveException(meetingId: meeting.id, moved)?.sequence == 2)
            // The same occurrence again replaces its exception.
            #expect(try await storage.schedules.saveException(meetingId: meeting.id, cancelled)?.sequence == 3)
            #expect(try await storage.schedules.exceptions(meetingId: meeting.id) == [cancelled, moved])

            let upcoming = try await storage.schedules.scheduled(
                user: owner, from: Self.date("20270110T000000Z"), to: Self.date("20270120T000000Z"), limit: 10)
            #expect(upcoming.map(\.meeting.id) == [meeting.id])
            #expect(upcoming.first?.role == .owner)
            #expect(upcoming.first?.exceptions == [cancelled, moved])

            let replaced = try await storage.schedules.save(meetingId: meeting.id, new)
            #expect(replaced.sequence == 4)
            #expect(try await storage.schedules.exceptions(meetingId: meeting.id).isEmpty)
            #expect(try await storage.schedules.delete(meetingId: meeting.id))
            #expect(try await storage.schedules.delete(meetingId: meeting.id) == false)
            #expect(try await storage.schedules.saveException(meetingId: meeting.id, cancelled) == nil)
        }
    }

    @Test("a series holds a bounded number of exceptions", arguments: StorageContractTests.Backend.allCases)
    func exceptionLimit(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            let start = Self.date("20270101T080000Z")
            _ = try await storage.schedules.save(
                meetingId: meeting.id,
                NewSchedule(
                    startsAt: start, endsAt: start.addingTimeInterval(600), timeZone: "UTC", description: nil,
                    rule: try RecurrenceRule(parsing: "FREQ=DAILY")))
            for day in 0..<ScheduleLimits.exceptionsPerSeries {
                let exception = OccurrenceException(originalStart: start.addingTimeInterval(Double(day) * 86_400), cancelled: true)
                _ = try await storage.schedules.saveException(meetingId: meeting.id, exception)
            }
            let oneMore = OccurrenceException(
                originalStart: start.addingTimeInterval(Double(ScheduleLimits.exceptionsPerSeries) * 86_400), cancelled: true)
            await #expect(throws: ScheduleRepositoryError.tooManyExceptions) {
                try await storage.schedules.saveException(meetingId: meeting.id, oneMore)
            }
            // Changing one it already has is still allowed.
            let again = OccurrenceException(originalStart: start, cancelled: true)
            #expect(try await storage.schedules.saveException(meetingId: meeting.id, again) != nil)
        }
    }
}
