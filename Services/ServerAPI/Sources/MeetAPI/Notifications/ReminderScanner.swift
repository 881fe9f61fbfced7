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
    /// Series looked at per scan.
    static let seriesPerScan = 500
    /// The longest lead a user can choose.
    static let horizon: TimeInterval = TimeInterval(NotificationLimits.reminderRange.upperBound) * 60

    /// Queues the reminders due at `now`; returns how many notifications it tried to add.
    @discardableResult
    func scan(now: Date) async throws -> Int {
        let series = try await self.storage.schedules.starting(from: now, to: now.addingTimeInterval(Self.horizon), limit: Self.seriesPerScan)
        var queued = 0
        var leads: [UUID: Int?] = [:]
        for entry in series {
            let occurrences = ScheduleOccurrences(schedule: entry.schedule, exceptions: entry.exceptions)
                .list(from: now, to: now.addingTimeInterval(Self.horizon), limit: 50, includeCancelled: false)
                .filter { $0.startsAt > now }
            guard !occurrences.isEmpty else { continue }
            let members = try await self.storage.members.list(meetingId: entry.meeting.id)
            for member in members {
                if leads[member.userId] == nil { leads[member.userId] = try await self.storage.notifications.reminderMinutes(userId: member.userId) }
                guard let lead = leads[member.userId] ?? nil else { continue }
                for occurrence in occurrences where occurrence.startsAt.addingTimeInterval(-TimeInterval(lead) * 60) <= now {
                    try await self.remind(member, of: entry, occurrence: occurrence, now: now)
                    queued += 1
                }
            }
        }
        return queued
    }

    private func remind(_ member: MemberRecord, of entry: ScheduledMeeting, occurrence: OccurrenceResponse, now: Date) async throws {
        let key = "reminder:\(entry.meeting.id.uuidString.lowercased()):\(occurrence.id):\(member.userId.uuidString.lowercased())"
        try await self.storage.notifications.add([
            NewNotification(
                userId: member.userId, kind: "reminder", meetingId: entry.meeting.id, title: "Starting soon: \(entry.meeting.title)",
                body: "Starts at \(ISO8601DateFormatter().string(from: occurrence.startsAt)).", dedupeKey: key)
        ])
        guard self.notices.emailEnabled else { return }
        let owner = try await self.storage.users.find(id: entry.meeting.ownerId)
        let email = self.notices.composer.compose(
            .reminder(start: occurrence.startsAt), meeting: entry.meeting, schedule: entry.schedule,
            organizer: EmailComposer.Recipient(email: owner?.email ?? self.notices.composer.from, name: owner?.displayName),
            to: EmailComposer.Recipient(email: member.email, name: member.displayName), messageId: "\(key.replacingOccurrences(of: ":", with: "-"))@meet",
            stamp: now)
        try await self.storage.jobs.enqueue([try NewJob(kind: EmailJob.kind, encoding: email, dedupeKey: key)])
    }
}
