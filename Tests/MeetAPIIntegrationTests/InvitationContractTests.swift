import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Testing
@testable import MeetAPI

/// ``InvitationRepository`` and ``NotificationRepository`` on both storages.
@Suite("Invitation storage contract")
struct InvitationContractTests {
    @Test("invite, answer, membership, re-open, revoke", arguments: StorageContractTests.Backend.allCases)
    func lifecycle(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            // Invited by address before the account exists: bound by the link's secret only.
            let email = StorageContractTests.email()
            let made = try await storage.invitations.invite(
                NewInvitation(meetingId: meeting.id, email: email, userId: nil, role: .host, invitedBy: owner.id, secretHash: "s1"))
            #expect(made.status == .pending)
            #expect(made.meetingCode == meeting.code)
            await #expect(throws: InvitationRepositoryError.alreadyInvited) {
                try await storage.invitations.invite(
                    NewInvitation(meetingId: meeting.id, email: email, userId: nil, role: .attendee, invitedBy: owner.id))
            }
            let invitee = try await storage.users.create(email: email, passwordHash: "h", displayName: "Invitee")
            // Registering the address is not enough to see, use or answer it.
            #expect(try await storage.invitations.list(user: invitee, limit: 10).isEmpty)
            #expect(try await storage.invitations.invitedRole(meetingId: meeting.id, user: invitee) == nil)
            #expect(try await storage.invitations.respond(id: made.id, user: invitee, secretHash: nil, accept: true) == nil)
            #expect(try await storage.invitations.respond(id: made.id, user: invitee, secretHash: "wrong", accept: true) == nil)
            #expect(try await storage.invitations.respond(id: made.id, user: owner, secretHash: nil, accept: true) == nil)

            let accepted = try #require(try await storage.invitations.respond(id: made.id, user: invitee, secretHash: "s1", accept: true))
            #expect(accepted.status == .accepted)
            #expect(accepted.userId == invitee.id)
            #expect(try await storage.members.role(meetingId: meeting.id, userId: invitee.id) == .host)
            // Bound now: the account answers without the secret, nobody else with it.
            #expect(try await storage.invitations.list(user: invitee, limit: 10).map(\.id) == [made.id])
            #expect(try await storage.invitations.respond(id: made.id, user: owner, secretHash: "s1", accept: true) == nil)
            let declined = try #require(try await storage.invitations.respond(id: made.id, user: invitee, secretHash: nil, accept: false))
            #expect(declined.status == .declined)
            #expect(try await storage.members.role(meetingId: meeting.id, userId: invitee.id) == nil)
            #expect(try await storage.invitations.invitedRole(meetingId: meeting.id, user: invitee) == nil)

            // A declined invitation is re-opened by a new one, with the new role.
            let reopened = try await storage.invitations.invite(
                NewInvitation(meetingId: meeting.id, email: email, userId: invitee.id, role: .attendee, invitedBy: owner.id))
            #expect(reopened.id == made.id)
            #expect(reopened.status == .pending)
            #expect(reopened.role == .attendee)
            #expect(try await storage.invitations.list(meetingId: meeting.id).map(\.id) == [made.id])
            #expect(try await storage.invitations.revoke(id: made.id, meetingId: meeting.id))
            #expect(try await storage.invitations.revoke(id: made.id, meetingId: meeting.id) == false)
            #expect(try await storage.invitations.find(id: made.id) == nil)
        }
    }

    @Test("notifications: newest first, cursor, unread, read marks, dedupe; reminder setting", arguments: StorageContractTests.Backend.allCases)
    func notifications(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let user = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "U")
            let other = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "O")
            let meeting = try await StorageContractTests.meeting(storage, owner: user.id)
            let key = "k-\(UUID().uuidString)"
            for n in 0..<3 {
                try await storage.notifications.add([
                    NewNotification(userId: user.id, kind: "k\(n)", meetingId: meeting.id, title: "t", body: "b", dedupeKey: n == 2 ? key : nil)
                ])
            }
            try await storage.notifications.add([NewNotification(userId: user.id, kind: "dup", meetingId: nil, title: "t", body: "b", dedupeKey: key)])
            let all = try await storage.notifications.list(userId: user.id, after: nil, unreadOnly: false, limit: 10)
            #expect(all.map(\.kind) == ["k2", "k1", "k0"])
            #expect(all.allSatisfy { $0.meetingCode == meeting.code })
            #expect(try await storage.notifications.list(userId: user.id, after: all[0].id, unreadOnly: false, limit: 10).map(\.kind) == ["k1", "k0"])
            #expect(try await storage.notifications.markRead(userId: other.id, id: all[1].id) == false)
            #expect(try await storage.notifications.markRead(userId: user.id, id: all[1].id))
            #expect(try await storage.notifications.list(userId: user.id, after: nil, unreadOnly: true, limit: 10).map(\.kind) == ["k2", "k0"])
            try await storage.notifications.markAllRead(userId: user.id)
            #expect(try await storage.notifications.list(userId: user.id, after: nil, unreadOnly: true, limit: 10).isEmpty)

            #expect(try await storage.notifications.reminderMinutes(userId: user.id) == NotificationLimits.defaultReminderMinutes)
            try await storage.notifications.setReminderMinutes(userId: user.id, 45)
            #expect(try await storage.notifications.reminderMinutes(userId: user.id) == 45)
            try await storage.notifications.setReminderMinutes(userId: user.id, nil)
            #expect(try await storage.notifications.reminderMinutes(userId: user.id) == nil)
        }
    }
}
