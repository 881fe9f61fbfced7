import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// The secret calendar feed (docs/scheduling.md, "Calendar feed").
@Suite("Calendar feed routes")
struct CalendarFeedRoutesTests {
    @Test("the feed serves the user's meetings as ICS without a bearer token; rotating revokes the old URL")
    func feed() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let invitee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, title: "Standup, daily")
            let now = Date()
            let formatter = ISO8601DateFormatter()
            let body = ScheduleRequest(
                startsAt: formatter.string(from: now.addingTimeInterval(86_400)), endsAt: formatter.string(from: now.addingTimeInterval(87_300)),
                timeZone: "Europe/Berlin", recurrence: "FREQ=DAILY;COUNT=5")
            #expect(try await api.send(.put, "/v1/meetings/\(meeting.code)/schedule", json: body, token: owner.accessToken).status == .ok)
            _ = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/invitations", json: CreateInvitationRequest(email: invitee.user.email),
                token: owner.accessToken)
            let occurrences = try await api.send(.get, "/v1/meetings/\(meeting.code)/occurrences", token: owner.accessToken)
                .decode(OccurrenceListResponse.self)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)/occurrences/\(occurrences.items[1].id)", token: owner.accessToken).status == .noContent)

            (try await api.send(.post, "/v1/users/me/calendar-feed")).expectError(.unauthorized, .unauthorized)
            let made = try await api.send(.post, "/v1/users/me/calendar-feed", token: invitee.accessToken)
            #expect(made.status == .created)
            let url = try made.decode(CalendarFeedResponse.self).url
            let path = String(url[url.range(of: "/v1/calendar-feeds/")!.lowerBound...])
            let served = try await api.send(.get, path)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "text/calendar; charset=utf-8")
            let lines = served.text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n")
            #expect(lines.contains("METHOD:PUBLISH"))
            #expect(lines.contains("SUMMARY:Standup\\, daily"))
            #expect(lines.contains("RRULE:FREQ=DAILY;COUNT=5"))
            #expect(lines.contains { $0.hasPrefix("EXDATE;TZID=Europe/Berlin:") })
            #expect(lines.contains("BEGIN:VTIMEZONE"))
            #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 1)

            // Rotation: a new URL, the old one is gone; revoking ends the new one too.
            let rotated = try await api.send(.post, "/v1/users/me/calendar-feed", token: invitee.accessToken).decode(CalendarFeedResponse.self).url
            #expect(rotated != url)
            (try await api.send(.get, path)).expectError(.notFound, .notFound)
            let newPath = String(rotated[rotated.range(of: "/v1/calendar-feeds/")!.lowerBound...])
            #expect(try await api.send(.get, newPath).status == .ok)
            #expect(try await api.send(.delete, "/v1/users/me/calendar-feed", token: invitee.accessToken).status == .noContent)
            (try await api.send(.get, newPath)).expectError(.notFound, .notFound)
            (try await api.send(.delete, "/v1/users/me/calendar-feed", token: invitee.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.get, "/v1/calendar-feeds/short")).expectError(.notFound, .notFound)
        }
    }
}
