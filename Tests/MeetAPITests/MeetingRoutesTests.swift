import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing

@Suite("Meeting routes")
struct MeetingRoutesTests {
    @Test("create: 201, human code, creator is owner, password never returned")
    func create() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let response = try await api.send(
                .post, "/v1/meetings",
                json: CreateMeetingRequest(title: "  Daily ☕️ standup  ", password: "hunter22", waitingRoom: true, capacity: 25),
                token: owner.accessToken
            )
            #expect(response.status == .created)
            #expect(!response.text.contains("hunter22"))
            #expect(!response.text.lowercased().contains("hash"))
            let meeting = try response.decode(MeetingResponse.self)
            #expect(meeting.code.wholeMatch(of: /[a-z]{3}-[a-z]{4}-[a-z]{3}/) != nil)
            #expect(meeting.title == "Daily ☕️ standup")
            #expect(meeting.hasPassword)
            #expect(meeting.waitingRoom)
            #expect(meeting.capacity == 25)
            #expect(meeting.status == .active)
            #expect(meeting.ownerId == owner.user.id)
            #expect(meeting.role == .owner)

            let members = try await api.send(.get, "/v1/meetings/\(meeting.code)/members", token: owner.accessToken)
            #expect(try members.decode(MemberListResponse.self).items.map(\.role) == [.owner])
        }
    }

    @Test("GET by code: any signed-in user; role only for members; unknown or malformed codes 404")
    func show() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let other = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let seen = try await api.send(.get, "/v1/meetings/\(meeting.code)", token: other.accessToken)
            #expect(seen.status == .ok)
            let body = try seen.decode(MeetingResponse.self)
            #expect(body.role == nil)
            #expect(body.id == meeting.id)
            (try await api.send(.get, "/v1/meetings/zzz-zzzz-zzz", token: other.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.get, "/v1/meetings/NOT-A-CODE", token: other.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.get, "/v1/meetings/\(meeting.code)")).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("list: my meetings, newest first, cursor-paginated")
    func list() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            var codes: [String] = []
            for index in 0..<5 {
                codes.append(try await api.createMeeting(token: owner.accessToken, title: "Meeting \(index)").code)
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "?limit=2&cursor=\($0)" } ?? "?limit=2"
                let page = try await api.send(.get, "/v1/meetings\(query)", token: owner.accessToken).decode(Page<MeetingResponse>.self)
                #expect(page.items.count <= 2)
                #expect(page.items.allSatisfy { $0.role == .owner })
                seen += page.items.map(\.code)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == codes.reversed())

            let other = try await api.register()
            let empty = try await api.send(.get, "/v1/meetings", token: other.accessToken).decode(Page<MeetingResponse>.self)
            #expect(empty.items.isEmpty)
            #expect(empty.nextCursor == nil)
        }
    }

    @Test("PATCH: owner and host may; attendee and non-member get 403")
    func patchAuthorization() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let attendee = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "secret-1")
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)

            let path = "/v1/meetings/\(meeting.code)"
            (try await api.send(.patch, path, json: UpdateMeetingRequest(title: "Nope"), token: attendee.accessToken))
                .expectError(.forbidden, .forbidden)
            (try await api.send(.patch, path, json: UpdateMeetingRequest(title: "Nope"), token: stranger.accessToken))
                .expectError(.forbidden, .forbidden)

            let byOwner = try await api.send(
                .patch, path, json: UpdateMeetingRequest(title: "Renamed", waitingRoom: true, capacity: .set(3)),
                token: owner.accessToken
            )
            #expect(byOwner.status == .ok)
            let renamed = try byOwner.decode(MeetingResponse.self)
            #expect(renamed.title == "Renamed")
            #expect(renamed.waitingRoom)
            #expect(renamed.capacity == 3)
            #expect(renamed.hasPassword)

            // null clears; absent leaves alone.
            let byHost = try await api.send(
                .patch, path, raw: #"{"password": null, "capacity": null}"#, token: host.accessToken
            )
            #expect(byHost.status == .ok)
            let cleared = try byHost.decode(MeetingResponse.self)
            #expect(!cleared.hasPassword)
            #expect(cleared.capacity == nil)
            #expect(cleared.title == "Renamed")
            #expect(cleared.role == .host)
        }
    }

    @Test("DELETE ends the meeting: owner only; then reads, joins and changes are 410")
    func end() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            let guest = try await api.join(meeting.code, JoinRequest(displayName: "Early guest"))
            #expect(guest.status == .ok)

            let path = "/v1/meetings/\(meeting.code)"
            (try await api.send(.delete, path, token: host.accessToken)).expectError(.forbidden, .forbidden)
            #expect(try await api.send(.delete, path, token: owner.accessToken).status == .noContent)
            (try await api.send(.delete, path, token: owner.accessToken)).expectError(.gone, .meetingEnded)

            (try await api.send(.get, path, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            let listed = try await api.send(.get, "/v1/meetings", token: owner.accessToken).decode(Page<MeetingResponse>.self)
            let ended = try #require(listed.items.first { $0.code == meeting.code })
            #expect(ended.status == .ended)
            #expect(ended.endedAt != nil)
            (try await api.join(meeting.code, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            (try await api.join(meeting.code, JoinRequest(displayName: "Late guest"))).expectError(.gone, .meetingEnded)
            (try await api.send(.patch, path, json: UpdateMeetingRequest(title: "Again"), token: owner.accessToken))
                .expectError(.gone, .meetingEnded)
            // An ended meeting has no participant list any more.
            (try await api.send(.get, "\(path)/participants", token: owner.accessToken)).expectError(.gone, .meetingEnded)
        }
    }
}
