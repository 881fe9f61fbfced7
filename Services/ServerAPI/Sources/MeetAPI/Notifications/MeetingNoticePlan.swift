import Foundation
import MeetProtocol

/// What ``MeetingNotices/plan(_:by:audience:naming:)`` read before a change:
/// enough to compose the change's ``Outbox`` with no I/O, inside the
/// change's transaction (a second pooled connection there could starve the
/// pool under load).
struct MeetingNoticePlan: Sendable {
    let meeting: MeetingRecord
    let actor: UserRecord
    /// The schedule before the change; nil when unscheduled.
    let schedule: ScheduleRecord?
    /// Open (pending or accepted) invitations; empty unless read with the audience.
    let invitations: [InvitationRecord]
    /// Member accounts; empty unless read with the audience.
    let members: [UUID]
    /// Display names of the invitees' accounts (email greetings).
    let names: [UUID: String]
    let organizer: EmailComposer.Recipient
    let composer: EmailComposer
    let emailEnabled: Bool
    let stamp: Date

    /// A new (or re-opened) invitation; `secret` (an address without an
    /// account) goes into the email's answer link, and nowhere else.
    func invited(_ invitation: InvitationRecord, secret: String?) throws -> Outbox {
        var outbox = Outbox()
        if let userId = invitation.userId {
            outbox.notifications.append(
                NewNotification(
                    userId: userId, kind: "invitation", meetingId: self.meeting.id, title: "Invitation: \(self.meeting.title)",
                    body: "\(self.actor.displayName) invited you as \(invitation.role.rawValue).", dedupeKey: nil))
        }
        outbox.jobs = try self.emails(
            .invitation, schedule: self.schedule, to: [invitation], tag: "invite-\(invitation.id)",
            answer: secret.map { EmailComposer.Answer(invitationId: invitation.id, secret: $0) })
        return outbox
    }

    /// The invitation was withdrawn: its calendar entry is cancelled.
    func revoked(_ invitation: InvitationRecord) throws -> Outbox {
        Outbox(jobs: try self.emails(.cancelled, schedule: self.schedule, to: [invitation], tag: "revoke-\(invitation.id)"))
    }

    /// The schedule or one occurrence changed (`schedule` is the new state;
    /// for a cancelled series, the last one with its sequence raised).
    func changed(_ kind: MeetingMailKind, schedule: ScheduleRecord) throws -> Outbox {
        var users = Set(self.members).union(self.invitations.compactMap(\.userId))
        users.remove(self.actor.id)
        let (notificationKind, title) = MeetingNotices.describe(kind, meeting: self.meeting)
        let notifications = users.sorted { $0.uuidString < $1.uuidString }.map {
            NewNotification(
                userId: $0, kind: notificationKind, meetingId: self.meeting.id, title: title,
                body: "\(self.actor.displayName) made the change.", dedupeKey: nil)
        }
        return Outbox(
            notifications: notifications,
            jobs: try self.emails(kind, schedule: schedule, to: self.invitations, tag: "change-\(self.meeting.id)-\(schedule.sequence)"))
    }

    /// One email job per invitation; `tag` makes the Message-ID (stable across retries).
    private func emails(
        _ kind: MeetingMailKind, schedule: ScheduleRecord?, to invitations: [InvitationRecord], tag: String,
        answer: EmailComposer.Answer? = nil
    ) throws -> [NewJob] {
        guard self.emailEnabled else { return [] }
        return try invitations.map { invitation in
            let email = self.composer.compose(
                kind, meeting: self.meeting, schedule: schedule, organizer: self.organizer,
                to: EmailComposer.Recipient(email: invitation.email, name: invitation.userId.flatMap { self.names[$0] }),
                messageId: "\(tag)-\(invitation.id.uuidString.lowercased())@meet", stamp: self.stamp, answer: answer)
            return try NewJob(kind: EmailJob.kind, encoding: email)
        }
    }
}
