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
///
/// In two steps, so that nothing is lost between a change and its notices:
/// ``plan(_:by:audience:invitee:)`` reads what composing needs before the
/// change; the repository composes the ``Outbox`` from the plan and writes it
/// in the change's own transaction; after the commit, ``pushed(_:)`` sends
/// the stored notifications live to their users' sockets (best effort: the
/// list is the truth, the push a courtesy).
struct MeetingNotices: Sendable {
    let storage: APIStorage
    let composer: EmailComposer
    /// False without `MEET_SMTP_HOST`: nothing is queued for email.
    let emailEnabled: Bool
    /// Sends stored notifications to their users' open sockets.
    var live: any NotificationPush = SilentNotificationPush()
    let logger: Logger

    /// Reads what the notices of a change to `meeting` by `actor` need: the
    /// schedule and organizer; with `audience`, the members and open
    /// invitations (a change of the schedule); the names of the invitations'
    /// accounts and of `naming` (the invitee's) for the emails' greetings.
    func plan(
        _ meeting: MeetingRecord, by actor: UserRecord, audience: Bool, naming: [UUID?] = []
    ) async throws -> MeetingNoticePlan {
        let schedule = try await self.storage.schedules.find(meetingId: meeting.id)
        let invitations = audience ? try await self.storage.invitations.list(meetingId: meeting.id).filter { $0.status != .declined } : []
        let members = audience ? try await self.storage.members.list(meetingId: meeting.id).map(\.userId) : []
        // The invitees' names and the organizer in one query, whatever the number of invitations.
        var accounts: [UUID: UserRecord] = [:]
        if self.emailEnabled {
            let ids = Set((invitations.map(\.userId) + naming).compactMap { $0 }).union([meeting.ownerId])
            accounts = try await self.storage.users.find(ids: ids)
        }
        let names = accounts.mapValues(\.displayName)
        let owner = accounts[meeting.ownerId]
        return MeetingNoticePlan(
            meeting: meeting, actor: actor, schedule: schedule, invitations: invitations, members: members, names: names,
            organizer: EmailComposer.Recipient(email: owner?.email ?? self.composer.from, name: owner?.displayName),
            composer: self.composer, emailEnabled: self.emailEnabled, stamp: Date())
    }

    /// The committed change's value, once its stored notifications were
    /// pushed to their users' sockets. Never throws: the change stands, and
    /// clients that missed the push see the notification at their next poll.
    func pushed<Value: Sendable>(_ committed: Committed<Value>) async -> Value {
        await self.push(committed.stored)
        if !committed.stored.isEmpty {
            self.logger.debug("notifications stored", metadata: ["notifications": "\(committed.stored.count)"])
        }
        return committed.value
    }

    /// Pushes `stored` live; a failure is logged, never thrown.
    func push(_ stored: [StoredNotification]) async {
        guard !stored.isEmpty else { return }
        do {
            try await self.live.push(stored)
        } catch {
            self.logger.warning(
                "could not push notifications live; clients see them at their next poll", metadata: ["error": "\(error)"])
        }
    }

    /// Closes a deleted account's user sockets on every replica; a failure
    /// is logged, never thrown (each closes at its token's expiry anyway,
    /// and a new one is refused: its account is gone).
    func endUserSockets(of userId: UUID) async {
        do {
            try await self.live.endUserSockets(of: userId)
        } catch {
            self.logger.warning(
                "could not close a deleted account's user sockets; they close when their token expires",
                metadata: ["user.id": "\(userId)", "error": "\(error)"])
        }
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
