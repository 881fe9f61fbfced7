import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// `/v1/meetings/search`, `/v1/users/search` and chat search
/// (`/v1/meetings/{code}/messages?q=`), on the in-memory storage; the
/// PostgreSQL queries are exercised end to end (Tests/e2e/test_search.py).
@Suite("Search routes")
struct SearchRoutesTests {
    @Test("meetings: only the caller's (owned, member, bound invitation), by title or agenda, by date range, paginated")
    func meetings() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let member = try await api.register()
            let invitee = try await api.register()
            let stranger = try await api.register()
            let planning = try await api.createMeeting(token: owner.accessToken, title: "Quarterly Planning")
            let retro = try await api.createMeeting(token: owner.accessToken, title: "Retro")
            let agenda = ScheduleRequest(
                startsAt: "2030-06-02T07:00:00Z", endsAt: "2030-06-02T08:00:00Z", timeZone: "UTC", description: "Budget planning review")
            #expect(try await api.send(.put, "/v1/meetings/\(retro.code)/schedule", json: agenda, token: owner.accessToken).status == .ok)
            _ = try await api.addMember(planning.code, token: owner.accessToken, email: member.user.email, role: .attendee)
            _ = try await api.send(
                .post, "/v1/meetings/\(retro.code)/invitations", json: CreateInvitationRequest(userId: invitee.user.id), token: owner.accessToken)

            let search = { (token: String, query: String) in
                try await api.send(.get, "/v1/meetings/search?\(query)", token: token).decode(Page<MeetingResponse>.self)
            }
            // Title (case-insensitive substring) and agenda, newest first.
            #expect(try await search(owner.accessToken, "q=PLANNING").items.map(\.code) == [retro.code, planning.code])
            #expect(try await search(member.accessToken, "q=planning").items.map(\.code) == [planning.code])
            let invited = try await search(invitee.accessToken, "q=planning").items
            #expect(invited.map(\.code) == [retro.code])
            #expect(invited.first?.role == .attendee)
            #expect(try await search(stranger.accessToken, "q=planning").items.isEmpty)
            // Date range: the schedule's start, else the creation time.
            #expect(
                try await search(owner.accessToken, "from=2030-06-01T00:00:00Z&to=2030-06-03T00:00:00Z").items.map(\.code) == [retro.code])
            #expect(try await search(owner.accessToken, "q=plan&to=2029-01-01T00:00:00Z").items.map(\.code) == [planning.code])
            // Pages.
            let first = try await search(owner.accessToken, "q=plan&limit=1")
            #expect(first.items.count == 1)
            let cursor = try #require(first.nextCursor)
            let second = try await search(owner.accessToken, "q=plan&limit=1&cursor=\(cursor)")
            #expect(second.items.map(\.code) == [planning.code])
            #expect(second.nextCursor == nil)
            (try await api.send(.get, "/v1/meetings/search?q=plan")).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("bad search input is a 422 naming the field")
    func badInput() async throws {
        try await TestApp.run { api in
            let user = try await api.register()
            for (query, field) in [
                ("", "q"), ("q=ab", "q"), ("q=\(String(repeating: "x", count: 101))", "q"), ("q=%00ab", "q"),
                ("from=yesterday", "from"), ("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"),
                ("q=abc&limit=0", "limit"), ("q=abc&limit=51", "limit"), ("q=abc&cursor=nope", "cursor"),
            ] {
                (try await api.send(.get, "/v1/meetings/search?\(query)", token: user.accessToken))
                    .expectError(.unprocessableContent, .validationFailed, field: field)
            }
            for (query, field) in [("", "q"), ("q=ab", "q"), ("email=not-an-email", "email"), ("q=abc&email=a@b.example", "q")] {
                (try await api.send(.get, "/v1/users/search?\(query)", token: user.accessToken))
                    .expectError(.unprocessableContent, .validationFailed, field: field)
            }
        }
    }

    @Test("users: by name without addresses, by exact email only, same shape found or not")
    func users() async throws {
        try await TestApp.run { api in
            let caller = try await api.register()
            let ada = try await api.register(displayName: "Ada Lovelace")
            let search = { (query: String) in
                try await api.send(.get, "/v1/users/search?\(query)", token: caller.accessToken)
            }
            let byName = try await search("q=lovel")
            #expect(try byName.decode(Page<UserSummary>.self).items.map(\.id).contains(ada.user.id))
            #expect(!byName.text.contains(ada.user.email))
            #expect(try await search("email=\(ada.user.email.uppercased())").decode(Page<UserSummary>.self).items.map(\.id) == [ada.user.id])
            let missing = try await search("email=nobody-\(UUID().uuidString.prefix(6))@example.com")
            #expect(missing.status == .ok)
            #expect(try missing.decode(Page<UserSummary>.self).items.isEmpty)
            // A part of an address finds nothing by email.
            let local = String(ada.user.email.prefix(while: { $0 != "@" }))
            #expect(try await search("q=\(local)").decode(Page<UserSummary>.self).items.isEmpty)
        }
    }

    @Test("user search is rate-limited per account: 429 with Retry-After")
    func userSearchRateLimit() async throws {
        try await TestApp.run({ $0.userSearchRateLimit = 3 }) { api in
            let user = try await api.register()
            let other = try await api.register()
            for _ in 0..<3 {
                #expect(try await api.send(.get, "/v1/users/search?q=test", token: user.accessToken).status == .ok)
            }
            let limited = try await api.send(.get, "/v1/users/search?q=test", token: user.accessToken)
            limited.expectError(.tooManyRequests, .rateLimited)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Per account: another one still searches.
            #expect(try await api.send(.get, "/v1/users/search?q=test", token: other.accessToken).status == .ok)
        }
    }

    @Test("chat search: words of the meeting's chat, with private-message visibility; strangers 403")
    func chat() async throws {
        let store = MemoryStore()
        try await TestApp.run(store: store) { api in
            let owner = try await api.register()
            let attendee = try await api.register()
            let other = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: other.user.email, role: .attendee)
            let ownerSeat = try await api.join(meeting.code, token: owner.accessToken).decode(JoinResponse.self).participant
            let attendeeSeat = try await api.join(meeting.code, token: attendee.accessToken).decode(JoinResponse.self).participant
            let message = { (id: Int64, seat: JoinedParticipant, user: UUID, body: String, hosts: Bool) in
                MemoryTables.Message(
                    meetingId: meeting.id,
                    record: MessageRecord(
                        id: id, participantId: seat.id, userId: user, displayName: "Someone", body: body,
                        createdAt: Date(), toParticipantId: nil, toHosts: hosts))
            }
            let rows = [
                message(1, ownerSeat, owner.user.id, "The launch date is Friday", false),
                message(2, attendeeSeat, attendee.user.id, "launch checklist ready", false),
                message(3, attendeeSeat, attendee.user.id, "secret launch worries", true),
                message(4, ownerSeat, owner.user.id, "unrelated", false),
            ]
            await store.transaction { $0.messages.append(contentsOf: rows) }
            let path = "/v1/meetings/\(meeting.code)/messages?q="
            let bodies = { (token: String, q: String) in
                try await api.send(.get, path + q, token: token).decode(Page<MessageResponse>.self).items.map(\.body)
            }
            #expect(try await bodies(owner.accessToken, "LAUNCH") == ["secret launch worries", "launch checklist ready", "The launch date is Friday"])
            #expect(try await bodies(attendee.accessToken, "launch%20ready") == ["launch checklist ready"])
            #expect(try await bodies(attendee.accessToken, "launch") == ["secret launch worries", "launch checklist ready", "The launch date is Friday"])
            // The attendee's message to the hosts: the owner and its sender see it, another attendee does not.
            #expect(try await bodies(other.accessToken, "launch") == ["launch checklist ready", "The launch date is Friday"])
            (try await api.send(.get, path + "launch", token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.get, path + "x", token: owner.accessToken)).expectError(.unprocessableContent, .validationFailed, field: "q")
        }
    }
}
