import Foundation
import Logging
import MeetProtocol

/// Tells the people of a meeting what happened to it: an in-app
/// notification for each account concerned, and (when email is on) an email
/// job per invitee with the ICS that updates their calendar.
///
/// Who hears what: emails go to the open (pending or accepted) invitations,
/// the people whose calendars hold the event; in-app notifications go to the
/// members and invitees with an account, except whoever made the change.
/// Everything is queued durably (the `jobs` table) before the request
/// answers; the job worker sends it, retrying through SMTP outages.
struct MeetingNotices: Sendable {
    let storage: APIStorage
    let composer: EmailComposer
    /// False without `MEET_SMTP_HOST`: nothing is queued for email.
    let emailEnabled: Bool
    let logger: Logger

    /// A new (or re-opened) invitation; `secret` (an address without an
    /// account) goes into the email's answer link, and nowhere else.
    func invited(_ invitation: InvitationRecord, meeting: MeetingRecord, by actor: UserRecord, secret: String? = nil) async throws {
        let schedule = try await self.storage.schedules.find(meetingId: meeting.id)
        if let userId = invitation.userId {
            try await self.storage.notifications.add([
                NewNotification(
                    userId: userId, kind: "invitation", meetingId: meeting.id, title: "Invitation: \(meeting.title)",
                    body: "\(actor.displayName) invited you as \(invitation.role.rawValue).", dedupeKey: nil)
            ])
        }
        try await self.email(
            .invitation, meeting: meeting, schedule: schedule, to: [invitation], tag: "invite-\(invitation.id)",
            answer: secret.map { EmailComposer.Answer(invitationId: invitation.id, secret: $0) })
    }

    /// The invitation was withdrawn: its calendar entry is cancelled.
    func revoked(_ invitation: InvitationRecord, meeting: MeetingRecord) async throws {
        let schedule = try await self.storage.schedules.find(meetingId: meeting.id)
        try await self.email(.cancelled, meeting: meeting, schedule: schedule, to: [invitation], tag: "revoke-\(invitation.id)")
    }

    /// The schedule or one occurrence changed (`schedule` is the new state;
    /// for a cancelled series, the last one).
    func changed(_ kind: MeetingMailKind, meeting: MeetingRecord, schedule: ScheduleRecord, by actor: UserRecord) async throws {
        let invitations = try await self.storage.invitations.list(meetingId: meeting.id).filter { $0.status != .declined }
        let members = try await self.storage.members.list(meetingId: meeting.id).map(\.userId)
        var users = Set(members).union(invitations.compactMap(\.userId))
        users.remove(actor.id)
        let (notificationKind, title) = Self.describe(kind, meeting: meeting)
        try await self.storage.notifications.add(
            users.sorted { $0.uuidString < $1.uuidString }.map {
                NewNotification(userId: $0, kind: notificationKind, meetingId: meeting.id, title: title, body: "\(actor.displayName) made the change.", dedupeKey: nil)
            })
        try await self.email(kind, meeting: meeting, schedule: schedule, to: invitations, tag: "change-\(meeting.id)-\(schedule.sequence)")
    }

    /// One email job per invitation; `tag` makes the Message-ID (stable across retries).
    func email(
        _ kind: MeetingMailKind, meeting: MeetingRecord, schedule: ScheduleRecord?, to invitations: [InvitationRecord], tag: String,
        answer: EmailComposer.Answer? = nil
    ) async throws {
        guard self.emailEnabled, !invitations.isEmpty else { return }
        let owner = try await self.storage.users.find(id: meeting.ownerId)
        let organizer = EmailComposer.Recipient(email: owner?.email ?? self.composer.from, name: owner?.displayName)
        let stamp = Date()
        var jobs: [NewJob] = []
        for invitation in invitations {
            let name = try await invitation.userId.asyncMap { try await self.storage.users.find(id: $0)?.displayName } ?? nil
            let email = self.composer.compose(
                kind, meeting: meeting, schedule: schedule, organizer: organizer,
                to: EmailComposer.Recipient(email: invitation.email, name: name),
                messageId: "\(tag)-\(invitation.id.uuidString.lowercased())@meet", stamp: stamp, answer: answer)
            jobs.append(try NewJob(kind: EmailJob.kind, encoding: email))
        }
        try await self.storage.jobs.enqueue(jobs)
        self.logger.info("email queued", metadata: ["meeting.code": "\(meeting.code)", "emails": "\(jobs.count)", "tag": "\(tag)"])
    }

    static func describe(_ kind: MeetingMailKind, meeting: MeetingRecord) -> (String, String) {
        switch kind {
        case .invitation: ("invitation", "Invitation: \(meeting.title)")
        case .updated: ("schedule_changed", "Schedule changed: \(meeting.title)")
        case .cancelled: ("schedule_cancelled", "Cancelled: \(meeting.title)")
        case .occurrenceMoved: ("occurrence_changed", "An occurrence moved: \(meeting.title)")
        case .occurrenceCancelled: ("occurrence_cancelled", "An occurrence was cancelled: \(meeting.title)")
        case .reminder: ("reminder", "Starting soon: \(meeting.title)")
        }
    }
}
