import Foundation
import Logging
import MeetProtocol

/// Finds the reminders that are due and queues them: an in-app notification
/// and (when email is on) an email per member and occurrence, each with a
/// dedupe key (`reminder:<meeting>:<occurrence>:<user>`) that the database
/// keeps unique. So every replica may scan at the same time, and a scan
/// repeated after a restart queues nothing twice: each reminder exists once.
///
/// A reminder is due from `start − lead` until the occurrence starts; one
/// whose time passed while every replica was down is still sent, late,
/// before the start, never after it. The lead is each member's setting
/// (`PUT /v1/users/me/settings`, default 10 minutes, null = off).
struct ReminderScanner: Sendable {
    let storage: APIStorage
    let notices: MeetingNotices
    /// Series read per page; a scan pages through every candidate series
    /// (before, one page of the oldest recurring series was all a scan saw,
    /// so later series never got reminders once 500 older ones existed).
    var seriesPerPage = 500
    /// The most series one scan looks at (a bound on one scan's work).
    var maxSeriesPerScan = 50_000
    /// The longest lead a user can choose.
    static let horizon: TimeInterval = TimeInterval(NotificationLimits.reminderRange.upperBound) * 60

    /// Queues the reminders due at `now`; returns how many notifications it tried to add.
    @discardableResult
    func scan(now: Date) async throws -> Int {
        var queued = 0
        var leads: [UUID: Int?] = [:]
        var cursor: SeriesCursor?
        var seen = 0
        while seen < self.maxSeriesPerScan {
            let page = try await self.storage.schedules.starting(
                from: now, to: now.addingTimeInterval(Self.horizon), after: cursor, limit: self.seriesPerPage)
            for entry in page { queued += try await self.remind(series: entry, now: now, leads: &leads) }
            seen += page.count
            guard page.count == self.seriesPerPage, let last = page.last else { break }
            cursor = SeriesCursor(last)
        }
        return queued
    }

    /// Queues the reminders of one series that are due at `now`; returns how many.
    private func remind(series entry: ScheduledMeeting, now: Date, leads: inout [UUID: Int?]) async throws -> Int {
        var queued = 0
        let occurrences = ScheduleOccurrences(schedule: entry.schedule, exceptions: entry.exceptions)
            .list(from: now, to: now.addingTimeInterval(Self.horizon), limit: 50, includeCancelled: false)
            .filter { $0.startsAt > now }
        guard !occurrences.isEmpty else { return 0 }
        let members = try await self.storage.members.list(meetingId: entry.meeting.id)
        for member in members {
            if leads[member.userId] == nil { leads[member.userId] = try await self.storage.notifications.reminderMinutes(userId: member.userId) }
            guard let lead = leads[member.userId] ?? nil else { continue }
            for occurrence in occurrences where occurrence.startsAt.addingTimeInterval(-TimeInterval(lead) * 60) <= now {
                try await self.remind(member, of: entry, occurrence: occurrence, now: now)
                queued += 1
            }
        }
        return queued
    }

    private func remind(_ member: MemberRecord, of entry: ScheduledMeeting, occurrence: OccurrenceResponse, now: Date) async throws {
        let key = "reminder:\(entry.meeting.id.uuidString.lowercased()):\(occurrence.id):\(member.userId.uuidString.lowercased())"
        var outbox = Outbox(notifications: [
            NewNotification(
                userId: member.userId, kind: "reminder", meetingId: entry.meeting.id, title: "Starting soon: \(entry.meeting.title)",
                body: "Starts at \(ISO8601DateFormatter().string(from: occurrence.startsAt)).", dedupeKey: key)
        ])
        if self.notices.emailEnabled {
            let owner = try await self.storage.users.find(id: entry.meeting.ownerId)
            let email = self.notices.composer.compose(
                .reminder(start: occurrence.startsAt), meeting: entry.meeting, schedule: entry.schedule,
                organizer: EmailComposer.Recipient(email: owner?.email ?? self.notices.composer.from, name: owner?.displayName),
                to: EmailComposer.Recipient(email: member.email, name: member.displayName),
                messageId: "\(key.replacingOccurrences(of: ":", with: "-"))@meet", stamp: now)
            outbox.jobs = [try NewJob(kind: EmailJob.kind, encoding: email, dedupeKey: key)]
        }
        // Together, and each once (the dedupe keys): a repeated scan stores and pushes nothing new.
        await self.notices.push(try await self.storage.outbox.write(outbox))
    }
}
