import Foundation
import MeetMail

/// What a message is about.
enum MeetingMailKind: Sendable, Equatable {
    case invitation
    case updated
    case cancelled
    /// One occurrence moved (its new times in the schedule's response).
    case occurrenceMoved(original: Date, start: Date, end: Date)
    case occurrenceCancelled(original: Date)
    case reminder(start: Date)
}

/// Builds the messages of scheduling: subject, text and HTML bodies, and the
/// ICS attachment (RFC 5546 iTIP). Pure: the caller passes the clock
/// (`stamp`) and the ids.
///
/// One UID per meeting (`<meeting id>@meet`), so every message about it
/// updates the same calendar entry; a single occurrence is named by
/// RECURRENCE-ID. SEQUENCE is the schedule's, bumped at every change.
struct EmailComposer: Sendable {
    var from: String
    var publicURL: String

    struct Recipient: Sendable, Equatable {
        var email: String
        var name: String?
    }

    /// The answer link of an invitation to an address without an account:
    /// `<publicURL>/invitations/<id>?secret=<secret>`; the secret is what
    /// `POST /v1/invitations/{id}/accept` needs.
    struct Answer: Sendable, Equatable {
        var invitationId: UUID
        var secret: String
    }

    /// The rendered message for one recipient; `schedule` is nil for a
    /// meeting that has none (then there is no ICS).
    func compose(
        _ kind: MeetingMailKind, meeting: MeetingRecord, schedule: ScheduleRecord?, organizer: Recipient, to recipient: Recipient,
        messageId: String, stamp: Date, answer: Answer? = nil
    ) -> EmailJob {
        let link = "\(self.publicURL)/\(meeting.code)"
        let (subject, lead) = self.subjectAndLead(kind, meeting: meeting)
        let when = schedule.map { self.when(kind, schedule: $0) } ?? "No time is set yet."
        let agenda = schedule?.description
        let answerLink = answer.map { "\(self.publicURL)/invitations/\($0.invitationId.uuidString.lowercased())?secret=\($0.secret)" }
        var text = "\(lead)\n\n\(meeting.title)\n\(when)\nJoin: \(link)\n"
        if let answerLink { text += "Accept or decline: \(answerLink)\n" }
        if let agenda { text += "\nAgenda:\n\(agenda)\n" }
        var html = "<p>\(Self.escape(lead))</p><h2>\(Self.escape(meeting.title))</h2><p>\(Self.escape(when))</p>"
        html += "<p><a href=\"\(Self.escape(link))\">Join the meeting</a></p>"
        if let answerLink { html += "<p><a href=\"\(Self.escape(answerLink))\">Accept or decline</a></p>" }
        if let agenda { html += "<h3>Agenda</h3><p>\(Self.escape(agenda).replacingOccurrences(of: "\n", with: "<br>"))</p>" }
        var message = MailMessage(
            from: MailAddress(self.from, name: "Meet"), to: [MailAddress(recipient.email, name: recipient.name)], subject: subject,
            text: text, html: "<!doctype html><html><body>\(html)</body></html>", messageId: messageId, date: stamp)
        if let schedule, let invite = self.invite(kind, meeting: meeting, schedule: schedule, organizer: organizer, recipient: recipient, link: link, stamp: stamp) {
            message.attachments = [
                MailAttachment(
                    filename: invite.method == .cancel ? "cancel.ics" : "invite.ics",
                    contentType: "text/calendar; method=\(invite.method.rawValue); charset=utf-8", data: Data(invite.text.utf8))
            ]
        }
        return EmailJob(from: self.from, to: [recipient.email], message: message.render())
    }

    func invite(
        _ kind: MeetingMailKind, meeting: MeetingRecord, schedule: ScheduleRecord, organizer: Recipient, recipient: Recipient,
        link: String, stamp: Date
    ) -> CalendarInvite? {
        var invite = CalendarInvite(
            method: .request, uid: "\(meeting.id.uuidString.lowercased())@meet", sequence: schedule.sequence, stamp: stamp,
            start: schedule.startsAt, end: schedule.endsAt, timeZone: schedule.zone, summary: meeting.title,
            description: schedule.description, url: link, organizer: .init(email: organizer.email, name: organizer.name),
            attendees: [.init(email: recipient.email, name: recipient.name)], recurrenceRule: schedule.rule?.text)
        switch kind {
        case .invitation, .updated, .reminder: break
        case .cancelled: invite.method = .cancel
        case .occurrenceMoved(let original, let start, let end):
            invite.recurrenceId = original
            invite.start = start
            invite.end = end
        case .occurrenceCancelled(let original):
            invite.method = .cancel
            invite.recurrenceId = original
            invite.start = original
            invite.end = original.addingTimeInterval(schedule.endsAt.timeIntervalSince(schedule.startsAt))
        }
        return invite
    }

    private func subjectAndLead(_ kind: MeetingMailKind, meeting: MeetingRecord) -> (String, String) {
        switch kind {
        case .invitation: ("Invitation: \(meeting.title)", "You are invited to a meeting.")
        case .updated: ("Updated: \(meeting.title)", "The meeting's schedule changed.")
        case .cancelled: ("Cancelled: \(meeting.title)", "The meeting was cancelled.")
        case .occurrenceMoved: ("Moved: \(meeting.title)", "One occurrence of the meeting was moved.")
        case .occurrenceCancelled: ("Cancelled occurrence: \(meeting.title)", "One occurrence of the meeting was cancelled.")
        case .reminder: ("Reminder: \(meeting.title)", "Your meeting starts soon.")
        }
    }

    /// "Mon 22 Mar 2027 09:00–10:00 (Europe/Berlin), weekly …".
    private func when(_ kind: MeetingMailKind, schedule: ScheduleRecord) -> String {
        let (start, end): (Date, Date) = switch kind {
        case .occurrenceMoved(_, let start, let end): (start, end)
        case .occurrenceCancelled(let original): (original, original.addingTimeInterval(schedule.endsAt.timeIntervalSince(schedule.startsAt)))
        case .reminder(let start): (start, start.addingTimeInterval(schedule.endsAt.timeIntervalSince(schedule.startsAt)))
        default: (schedule.startsAt, schedule.endsAt)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = schedule.zone
        formatter.dateFormat = "EEE d MMM yyyy HH:mm"
        let endFormatter = DateFormatter()
        endFormatter.locale = formatter.locale
        endFormatter.timeZone = schedule.zone
        endFormatter.dateFormat = "HH:mm"
        var text = "\(formatter.string(from: start))–\(endFormatter.string(from: end)) (\(schedule.timeZone))"
        if case .updated = kind, let rule = schedule.rule { text += ", repeating \(rule.text)" }
        if case .invitation = kind, let rule = schedule.rule { text += ", repeating \(rule.text)" }
        return text
    }

    /// HTML text escaping.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
