import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// `/v1/meetings/{code}/schedule`, `…/occurrences` and `/v1/meetings/upcoming`
/// (docs/scheduling.md), on the in-memory storage. The PostgreSQL adapter:
/// Tests/MeetAPIIntegrationTests/ScheduleContractTests.swift.
@Suite("Schedule routes")
struct ScheduleRoutesTests {
    static let weekly = ScheduleRequest(
        startsAt: "2027-03-22T09:00:00+01:00", endsAt: "2027-03-22T10:00:00+01:00", timeZone: "Europe/Berlin",
        description: "Agenda:\n1. status", recurrence: "FREQ=WEEKLY;COUNT=4")

    @Test("the authorization matrix: owner and host change, members read, strangers and anonymous callers do not")
    func authorization() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let member = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: member.user.email, role: .attendee)
            let path = "/v1/meetings/\(meeting.code)/schedule"
            let occurrence = "/v1/meetings/\(meeting.code)/occurrences/20270329T070000Z"
            let move = UpdateOccurrenceRequest(startsAt: "2027-03-29T12:00:00Z", endsAt: "2027-03-29T13:00:00Z")

            for token in [member.accessToken, stranger.accessToken] {
                (try await api.send(.put, path, json: Self.weekly, token: token)).expectError(.forbidden, .forbidden)
            }
            (try await api.send(.put, path, json: Self.weekly)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, path, token: member.accessToken)).expectError(.conflict, .notScheduled)
            #expect(try await api.send(.put, path, json: Self.weekly, token: owner.accessToken).status == .ok)
            #expect(try await api.send(.put, path, json: Self.weekly, token: host.accessToken).status == .ok)

            for token in [owner.accessToken, host.accessToken, member.accessToken] {
                #expect(try await api.send(.get, path, token: token).status == .ok)
                #expect(try await api.send(.get, "/v1/meetings/\(meeting.code)/occurrences", token: token).status == .ok)
            }
            (try await api.send(.get, path, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.get, "/v1/meetings/\(meeting.code)/occurrences", token: stranger.accessToken))
                .expectError(.forbidden, .forbidden)
            for token in [member.accessToken, stranger.accessToken] {
                (try await api.send(.patch, occurrence, json: move, token: token)).expectError(.forbidden, .forbidden)
                (try await api.send(.delete, occurrence, token: token)).expectError(.forbidden, .forbidden)
                (try await api.send(.delete, path, token: token)).expectError(.forbidden, .forbidden)
            }
            #expect(try await api.send(.patch, occurrence, json: move, token: host.accessToken).status == .ok)
            #expect(try await api.send(.delete, occurrence, token: owner.accessToken).status == .noContent)
            #expect(try await api.send(.delete, path, token: host.accessToken).status == .noContent)
            (try await api.send(.delete, path, token: owner.accessToken)).expectError(.conflict, .notScheduled)
            (try await api.send(.delete, occurrence, token: owner.accessToken)).expectError(.conflict, .notScheduled)
        }
    }

    @Test("a weekly series: occurrences keep 09:00 Berlin across DST; one moved, one cancelled; the sequence counts changes")
    func series() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let base = "/v1/meetings/\(meeting.code)"
            let saved = try await api.send(.put, "\(base)/schedule", json: Self.weekly, token: owner.accessToken)
                .decode(ScheduleResponse.self)
            #expect(saved.recurrence == "FREQ=WEEKLY;COUNT=4")
            #expect(saved.sequence == 0)
            #expect(saved.description == "Agenda:\n1. status")

            let window = "from=2027-03-01T00:00:00Z&to=2027-05-01T00:00:00Z"
            var list = try await api.send(.get, "\(base)/occurrences?\(window)", token: owner.accessToken)
                .decode(OccurrenceListResponse.self)
            #expect(list.items.map(\.id) == ["20270322T080000Z", "20270329T070000Z", "20270405T070000Z", "20270412T070000Z"])
            #expect(list.items.allSatisfy { $0.status == .scheduled && $0.endsAt.timeIntervalSince($0.startsAt) == 3600 })

            let moved = try await api.send(
                .patch, "\(base)/occurrences/20270329T070000Z",
                json: UpdateOccurrenceRequest(startsAt: "2027-04-20T15:00:00Z", endsAt: "2027-04-20T15:30:00Z"),
                token: owner.accessToken)
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try await api.send(.delete, "\(base)/occurrences/20270405T070000Z", token: owner.accessToken).status == .noContent)
            list = try await api.send(.get, "\(base)/occurrences?\(window)", token: owner.accessToken)
                .decode(OccurrenceListResponse.self)
            #expect(list.items.map(\.id) == ["20270322T080000Z", "20270405T070000Z", "20270412T070000Z", "20270329T070000Z"])
            #expect(list.items.map(\.status) == [.scheduled, .cancelled, .scheduled, .moved])
            // Moved out of a window, it is listed in the window it moved to.
            let april20 = try await api.send(
                .get, "\(base)/occurrences?from=2027-04-20T00:00:00Z&to=2027-04-21T00:00:00Z", token: owner.accessToken
            ).decode(OccurrenceListResponse.self)
            #expect(april20.items.map(\.id) == ["20270329T070000Z"])
            let schedule = try await api.send(.get, "\(base)/schedule", token: owner.accessToken).decode(ScheduleResponse.self)
            #expect(schedule.sequence == 2)

            // Not an occurrence of the series: 404, also for a malformed id.
            for id in ["20270330T070000Z", "20270419T070000Z", "nope", "2027-03-29"] {
                (try await api.send(.delete, "\(base)/occurrences/\(id)", token: owner.accessToken)).expectError(.notFound, .notFound)
            }

            // Replacing the series drops its exceptions.
            let replaced = try await api.send(.put, "\(base)/schedule", json: Self.weekly, token: owner.accessToken)
                .decode(ScheduleResponse.self)
            #expect(replaced.sequence == 3)
            list = try await api.send(.get, "\(base)/occurrences?\(window)", token: owner.accessToken)
                .decode(OccurrenceListResponse.self)
            #expect(list.items.allSatisfy { $0.status == .scheduled })
        }
    }

    @Test(
        "bad schedules are 422 naming the field and the problem",
        arguments: [
            (ScheduleRequest(startsAt: "tomorrow", endsAt: "2027-01-01T10:00:00Z", timeZone: "UTC"), "startsAt", "RFC 3339"),
            (ScheduleRequest(startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T09:00:00Z", timeZone: "UTC"), "endsAt", "after"),
            (ScheduleRequest(startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-09T10:00:00Z", timeZone: "UTC"), "endsAt", "7 days"),
            (ScheduleRequest(startsAt: "1999-01-01T10:00:00Z", endsAt: "1999-01-01T11:00:00Z", timeZone: "UTC"), "startsAt", "2000"),
            (ScheduleRequest(startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T11:00:00Z", timeZone: "Mars/Olympus"), "timeZone", "IANA"),
            (ScheduleRequest(startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T11:00:00Z", timeZone: "CET"), "timeZone", "IANA"),
            (
                ScheduleRequest(startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T11:00:00Z", timeZone: "UTC", recurrence: "FREQ=YEARLY"),
                "recurrence", "FREQ=YEARLY"
            ),
            (
                ScheduleRequest(
                    startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T11:00:00Z", timeZone: "UTC", recurrence: "FREQ=DAILY;UNTIL=20261231"),
                "recurrence", "UNTIL before"
            ),
            (
                ScheduleRequest(
                    startsAt: "2027-01-01T10:00:00Z", endsAt: "2027-01-01T11:00:00Z", timeZone: "UTC", description: "a\u{0}b"),
                "description", "control"
            ),
        ])
    func badInput(body: ScheduleRequest, field: String, says: String) async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let response = try await api.send(.put, "/v1/meetings/\(meeting.code)/schedule", json: body, token: owner.accessToken)
            response.expectError(.unprocessableContent, .validationFailed, field: field)
            #expect(response.text.contains(says), "\(response.text)")
        }
    }

    @Test("upcoming: owned and member meetings in start order, cancelled left out, paged, window bounded")
    func upcoming() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let member = try await api.register()
            let first = try await api.createMeeting(token: owner.accessToken, title: "Daily")
            let second = try await api.createMeeting(token: owner.accessToken, title: "Other team")
            let notMine = try await api.createMeeting(token: owner.accessToken, title: "Private")
            _ = try await api.addMember(first.code, token: owner.accessToken, email: member.user.email, role: .attendee)
            _ = try await api.addMember(second.code, token: owner.accessToken, email: member.user.email, role: .host)
            let daily = ScheduleRequest(
                startsAt: "2027-06-01T08:00:00Z", endsAt: "2027-06-01T08:15:00Z", timeZone: "UTC", recurrence: "FREQ=DAILY;COUNT=3")
            let single = ScheduleRequest(startsAt: "2027-06-02T07:00:00Z", endsAt: "2027-06-02T09:00:00Z", timeZone: "Europe/Paris")
            for (code, body) in [(first.code, daily), (second.code, single), (notMine.code, single)] {
                #expect(try await api.send(.put, "/v1/meetings/\(code)/schedule", json: body, token: owner.accessToken).status == .ok)
            }
            #expect(
                try await api.send(.delete, "/v1/meetings/\(first.code)/occurrences/20270603T080000Z", token: owner.accessToken).status
                    == .noContent)

            let query = "/v1/meetings/upcoming?from=2027-06-01T00:00:00Z&to=2027-07-01T00:00:00Z"
            let all = try await api.send(.get, query, token: member.accessToken).decode(Page<UpcomingItem>.self)
            #expect(all.items.map(\.occurrence.id) == ["20270601T080000Z", "20270602T070000Z", "20270602T080000Z"])
            #expect(all.items.map(\.meeting.code) == [first.code, second.code, first.code])
            #expect(all.items.map(\.meeting.role) == [.attendee, .host, .attendee])
            #expect(all.nextCursor == nil)
            let owners = try await api.send(.get, query, token: owner.accessToken).decode(Page<UpcomingItem>.self)
            #expect(owners.items.count == 4)

            let page1 = try await api.send(.get, query + "&limit=2", token: member.accessToken).decode(Page<UpcomingItem>.self)
            #expect(page1.items.count == 2)
            let cursor = try #require(page1.nextCursor)
            let page2 = try await api.send(.get, query + "&limit=2&cursor=\(cursor)", token: member.accessToken)
                .decode(Page<UpcomingItem>.self)
            #expect((page1.items + page2.items) == all.items)

            (try await api.send(.get, "/v1/meetings/upcoming?from=2027-01-01T00:00:00Z&to=2028-06-01T00:00:00Z", token: member.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "to")
            (try await api.send(.get, "/v1/meetings/upcoming?cursor=nope", token: member.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "cursor")
            (try await api.send(.get, "/v1/meetings/upcoming?limit=101", token: member.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "limit")
            (try await api.send(.get, "/v1/meetings/upcoming")).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("upcoming pages through long series: every occurrence once, in order, whatever the page size")
    func upcomingPages() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let daily = try await api.createMeeting(token: owner.accessToken, title: "Daily")
            let weekly = try await api.createMeeting(token: owner.accessToken, title: "Weekly")
            let bodies = [
                (daily.code, ScheduleRequest(startsAt: "2027-06-01T08:00:00Z", endsAt: "2027-06-01T08:15:00Z", timeZone: "UTC", recurrence: "FREQ=DAILY;COUNT=30")),
                (weekly.code, ScheduleRequest(startsAt: "2027-06-02T08:00:00Z", endsAt: "2027-06-02T10:00:00Z", timeZone: "UTC", recurrence: "FREQ=WEEKLY")),
            ]
            for (code, body) in bodies {
                #expect(try await api.send(.put, "/v1/meetings/\(code)/schedule", json: body, token: owner.accessToken).status == .ok)
            }
            let query = "/v1/meetings/upcoming?from=2027-06-01T00:00:00Z&to=2027-07-15T00:00:00Z"
            let all = try await api.send(.get, query + "&limit=100", token: owner.accessToken).decode(Page<UpcomingItem>.self)
            #expect(all.items.count == 30 + 7)
            #expect(all.items.map(\.occurrence.startsAt) == all.items.map(\.occurrence.startsAt).sorted())
            var paged: [UpcomingItem] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, query + "&limit=4" + (cursor.map { "&cursor=\($0)" } ?? ""), token: owner.accessToken)
                    .decode(Page<UpcomingItem>.self)
                paged += page.items
                cursor = page.nextCursor
            } while cursor != nil && paged.count < 100
            #expect(paged == all.items)
        }
    }

    @Test("an ended meeting's schedule is gone from upcoming and its routes answer 410")
    func endedMeeting() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let single = ScheduleRequest(startsAt: "2027-06-02T07:00:00Z", endsAt: "2027-06-02T09:00:00Z", timeZone: "UTC")
            #expect(try await api.send(.put, "/v1/meetings/\(meeting.code)/schedule", json: single, token: owner.accessToken).status == .ok)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)", token: owner.accessToken).status == .noContent)
            (try await api.send(.get, "/v1/meetings/\(meeting.code)/schedule", token: owner.accessToken))
                .expectError(.gone, .meetingEnded)
            let upcoming = try await api.send(
                .get, "/v1/meetings/upcoming?from=2027-06-01T00:00:00Z&to=2027-07-01T00:00:00Z", token: owner.accessToken
            ).decode(Page<UpcomingItem>.self)
            #expect(upcoming.items.isEmpty)
        }
    }
}
