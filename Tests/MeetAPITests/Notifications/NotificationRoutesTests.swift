import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// `/v1/notifications` and `/v1/users/me/settings`, on the in-memory storage.
@Suite("Notification routes")
struct NotificationRoutesTests {
    @Test("invitations and schedule changes reach the people concerned (not whoever made them); read marks; others' are 404")
    func notifications() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let member = try await api.register()
            let invitee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: member.user.email, role: .attendee)
            _ = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/invitations", json: CreateInvitationRequest(userId: invitee.user.id),
                token: owner.accessToken)
            let single = ScheduleRequest(startsAt: "2030-06-02T07:00:00Z", endsAt: "2030-06-02T08:00:00Z", timeZone: "UTC")
            _ = try await api.send(.put, "/v1/meetings/\(meeting.code)/schedule", json: single, token: owner.accessToken)

            let inviteeList = try await api.send(.get, "/v1/notifications", token: invitee.accessToken).decode(Page<NotificationResponse>.self)
            #expect(inviteeList.items.map(\.kind) == ["schedule_changed", "invitation"])
            #expect(inviteeList.items.allSatisfy { $0.meetingCode == meeting.code && $0.readAt == nil })
            let memberList = try await api.send(.get, "/v1/notifications", token: member.accessToken).decode(Page<NotificationResponse>.self)
            #expect(memberList.items.map(\.kind) == ["schedule_changed"])
            #expect(try await api.send(.get, "/v1/notifications", token: owner.accessToken).decode(Page<NotificationResponse>.self).items.isEmpty)

            let first = inviteeList.items[0].id
            (try await api.send(.post, "/v1/notifications/\(first)/read", token: member.accessToken)).expectError(.notFound, .notFound)
            #expect(try await api.send(.post, "/v1/notifications/\(first)/read", token: invitee.accessToken).status == .noContent)
            let unread = try await api.send(.get, "/v1/notifications?unread=true", token: invitee.accessToken)
                .decode(Page<NotificationResponse>.self)
            #expect(unread.items.map(\.kind) == ["invitation"])
            let page = try await api.send(.get, "/v1/notifications?limit=1", token: invitee.accessToken).decode(Page<NotificationResponse>.self)
            let next = try #require(page.nextCursor)
            let rest = try await api.send(.get, "/v1/notifications?limit=1&cursor=\(next)", token: invitee.accessToken)
                .decode(Page<NotificationResponse>.self)
            #expect(rest.items.map(\.kind) == ["invitation"])
            #expect(try await api.send(.post, "/v1/notifications/read", token: invitee.accessToken).status == .noContent)
            #expect(try await api.send(.get, "/v1/notifications?unread=true", token: invitee.accessToken).decode(Page<NotificationResponse>.self).items.isEmpty)
            (try await api.send(.get, "/v1/notifications?unread=maybe", token: invitee.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "unread")
            (try await api.send(.get, "/v1/notifications")).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("the reminder setting: default 10, a range, null turns it off")
    func settings() async throws {
        try await TestApp.run { api in
            let user = try await api.register()
            #expect(try await api.send(.get, "/v1/users/me/settings", token: user.accessToken).decode(UserSettings.self).reminderMinutes == 10)
            #expect(try await api.send(.put, "/v1/users/me/settings", raw: #"{"reminderMinutes": 45}"#, token: user.accessToken).status == .ok)
            #expect(try await api.send(.get, "/v1/users/me/settings", token: user.accessToken).decode(UserSettings.self).reminderMinutes == 45)
            (try await api.send(.put, "/v1/users/me/settings", raw: #"{"reminderMinutes": 10081}"#, token: user.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "reminderMinutes")
            #expect(try await api.send(.put, "/v1/users/me/settings", raw: #"{"reminderMinutes": null}"#, token: user.accessToken).status == .ok)
            #expect(try await api.send(.get, "/v1/users/me/settings", token: user.accessToken).decode(UserSettings.self).reminderMinutes == nil)
        }
    }
}
