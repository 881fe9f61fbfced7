import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Testing
@testable import MeetAPI

/// The job table on both storages: claims across replicas (FOR UPDATE SKIP
/// LOCKED on PostgreSQL), leases, dedupe; and the reminder scan, which
/// every replica runs, queuing each reminder once.
@Suite("Job queue contract")
struct JobQueueContractTests {
    @Test("four workers claiming at once: every job is claimed exactly once", arguments: StorageContractTests.Backend.allCases)
    func exactlyOnce(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let kind = "test-\(UUID().uuidString.prefix(8))"
            let count = 60
            try await storage.jobs.enqueue((0..<count).map { NewJob(kind: kind, payload: Data("{\"n\":\($0)}".utf8)) })
            let now = Date().addingTimeInterval(1)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await storage.jobs.claim(
                                worker: "w\(worker)", kinds: [kind], limit: 3, lease: .seconds(60), now: now)
                            if jobs.isEmpty { return mine }
                            for job in jobs {
                                mine.append(job.id)
                                #expect(try await storage.jobs.complete(id: job.id, worker: "w\(worker)"))
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == count)
            #expect(Set(claimed).count == count)
        }
    }

    @Test("a retried job waits for its time; a lease that ended lets another worker take over", arguments: StorageContractTests.Backend.allCases)
    func retryAndLease(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let kind = "test-\(UUID().uuidString.prefix(8))"
            try await storage.jobs.enqueue([NewJob(kind: kind, payload: Data("{}".utf8), dedupeKey: "k-\(kind)")])
            #expect(try await storage.jobs.enqueue([NewJob(kind: kind, payload: Data("{}".utf8), dedupeKey: "k-\(kind)")]) == 0)
            let now = Date().addingTimeInterval(1)
            let first = try await storage.jobs.claim(worker: "a", kinds: [kind], limit: 5, lease: .seconds(30), now: now)
            #expect(first.map(\.attempts) == [1])
            try await storage.jobs.retry(id: first[0].id, worker: "a", at: now.addingTimeInterval(10), error: "down")
            #expect(try await storage.jobs.claim(worker: "b", kinds: [kind], limit: 5, lease: .seconds(30), now: now.addingTimeInterval(5)).isEmpty)
            let second = try await storage.jobs.claim(worker: "b", kinds: [kind], limit: 5, lease: .seconds(30), now: now.addingTimeInterval(11))
            #expect(second.map(\.attempts) == [2])
            // b dies holding it: after the lease c takes over; b's late completion is refused.
            let third = try await storage.jobs.claim(worker: "c", kinds: [kind], limit: 5, lease: .seconds(30), now: now.addingTimeInterval(42))
            #expect(third.map(\.id) == second.map(\.id))
            #expect(try await storage.jobs.complete(id: second[0].id, worker: "b") == false)
            #expect(try await storage.jobs.complete(id: second[0].id, worker: "c"))
            #expect(try await storage.jobs.claim(worker: "c", kinds: [kind], limit: 5, lease: .seconds(30), now: now.addingTimeInterval(999)).isEmpty)
        }
    }

    @Test("the reminder scan queues one reminder per member and occurrence, however often it runs", arguments: StorageContractTests.Backend.allCases)
    func remindersOnce(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let member = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Member")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            _ = try await storage.members.add(meetingId: meeting.id, userId: member.id, role: .attendee)
            try await storage.notifications.setReminderMinutes(userId: owner.id, nil)
            try await storage.notifications.setReminderMinutes(userId: member.id, 30)
            // Far in the future, so other tests' meetings sharing the database are not due with it.
            let start = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
            _ = try await storage.schedules.save(
                meetingId: meeting.id,
                NewSchedule(startsAt: start, endsAt: start.addingTimeInterval(1800), timeZone: "UTC", description: nil, rule: nil))
            let notices = MeetingNotices(
                storage: storage, composer: EmailComposer(from: "m@x.org", publicURL: "https://x"), emailEnabled: true,
                logger: Logger(label: "test"))
            let scanner = ReminderScanner(storage: storage, notices: notices)
            let early = try await scanner.scan(now: start.addingTimeInterval(-3600))
            #expect(early == 0)
            for offset in [-1700.0, -1000, -10] {
                _ = try await scanner.scan(now: start.addingTimeInterval(offset))
            }
            let reminders = try await storage.notifications.list(userId: member.id, after: nil, unreadOnly: false, limit: 10)
            #expect(reminders.map(\.kind) == ["reminder"])
            #expect(try await storage.notifications.list(userId: owner.id, after: nil, unreadOnly: false, limit: 10).isEmpty)
            let emails = try await storage.jobs.claim(worker: "t", kinds: [EmailJob.kind], limit: 100, lease: .seconds(60), now: start)
            let mine = try emails.map { try JSONDecoder().decode(EmailJob.self, from: $0.payload) }.filter { $0.to == [member.email] }
            #expect(mine.count == 1)
            #expect(mine.first?.message.contains("Subject: Reminder: ") == true)
        }
    }

    /// The scan pages through every candidate series: with pages of two, a
    /// member of five daily series started long ago gets all five reminders
    /// (one page of the oldest series was all a scan saw before, so later
    /// ones starved once 500 older recurring series existed).
    @Test("the reminder scan reaches every series, page after page", arguments: StorageContractTests.Backend.allCases)
    func remindersPastOnePage(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let member = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Member")
            try await storage.notifications.setReminderMinutes(userId: owner.id, nil)
            try await storage.notifications.setReminderMinutes(userId: member.id, 30)
            // Daily at 10:00 from 2100-12-20 (far from other tests' dates); the scan runs at 09:50 on 2101-01-01.
            let first = Date(timeIntervalSince1970: 4_133_412_000)  // 2100-12-20T10:00:00Z
            let now = first.addingTimeInterval(12 * 86_400 - 600)
            for _ in 0..<5 {
                let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
                _ = try await storage.members.add(meetingId: meeting.id, userId: member.id, role: .attendee)
                _ = try await storage.schedules.save(
                    meetingId: meeting.id,
                    NewSchedule(
                        startsAt: first, endsAt: first.addingTimeInterval(1800), timeZone: "UTC", description: nil,
                        rule: try RecurrenceRule(parsing: "FREQ=DAILY")))
            }
            let notices = MeetingNotices(
                storage: storage, composer: EmailComposer(from: "m@x.org", publicURL: "https://x"), emailEnabled: false,
                logger: Logger(label: "test"))
            var scanner = ReminderScanner(storage: storage, notices: notices)
            scanner.seriesPerPage = 2
            _ = try await scanner.scan(now: now)
            let reminders = try await storage.notifications.list(userId: member.id, after: nil, unreadOnly: false, limit: 20)
            #expect(reminders.filter { $0.kind == "reminder" }.count == 5)
        }
    }
}
