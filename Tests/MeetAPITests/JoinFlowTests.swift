import Foundation
import Hummingbird
import HummingbirdTesting
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

@Suite("Create → join flows")
struct JoinFlowTests {
    @Test("password meeting: missing or wrong password 403, right one 200 with a join token")
    func password() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let visitor = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "open sesame")

            (try await api.join(meeting.code, token: visitor.accessToken)).expectError(.forbidden, .wrongPassword)
            (try await api.join(meeting.code, token: visitor.accessToken, JoinRequest(password: "open says me")))
                .expectError(.forbidden, .wrongPassword)
            (try await api.join(meeting.code, JoinRequest(password: "nope", displayName: "Guest")))
                .expectError(.forbidden, .wrongPassword)

            let joined = try await api.join(meeting.code, token: visitor.accessToken, JoinRequest(password: "open sesame"))
            #expect(joined.status == .ok, "\(joined.text)")
            let body = try joined.decode(JoinResponse.self)
            #expect(body.participant.role == .attendee)
            #expect(body.participant.status == .joining)
            #expect(body.wsUrl == "ws://ws.test/v1/ws")
            #expect(!joined.text.contains("open sesame"))

            let claims = try await TestApp.tokenService().verifyJoinToken(body.joinToken, forMeetingCode: meeting.code)
            #expect(claims.participantId == body.participant.id)
            #expect(claims.meetingId == meeting.id)
            #expect(claims.userId == visitor.user.id)
            #expect(claims.role == .attendee)
            #expect(claims.displayName == visitor.user.displayName)
            #expect(claims.expiresAt == body.joinTokenExpiresAt)
        }
    }

    @Test("members join without the password, with their role")
    func member() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "members-only", waitingRoom: true)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)

            let ownerJoin = try await api.join(meeting.code, token: owner.accessToken).decode(JoinResponse.self)
            #expect(ownerJoin.participant.role == .owner)
            #expect(ownerJoin.participant.status == .joining, "members skip the waiting room")
            let hostJoin = try await api.join(meeting.code, token: host.accessToken, JoinRequest(displayName: "Host (laptop)"))
            #expect(hostJoin.status == .ok)
            let hostBody = try hostJoin.decode(JoinResponse.self)
            #expect(hostBody.participant.role == .host)
            #expect(hostBody.meeting.role == .host)

            let live = try await api.send(.get, "/v1/meetings/\(meeting.code)/participants", token: owner.accessToken)
                .decode(ParticipantListResponse.self)
            #expect(live.items.map(\.displayName).sorted() == ["Host (laptop)", owner.user.displayName].sorted())
        }
    }

    @Test("a guest joins with a display name only and gets a minted identity")
    func guest() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)

            (try await api.join(meeting.code)).expectError(.unprocessableContent, .validationFailed, field: "displayName")
            (try await api.join(meeting.code, JoinRequest(displayName: "   "))).expectError(.unprocessableContent, .validationFailed, field: "displayName")

            let response = try await api.join(meeting.code, JoinRequest(displayName: "Gäst 👋"))
            #expect(response.status == .ok)
            let body = try response.decode(JoinResponse.self)
            #expect(body.participant.role == .attendee)
            #expect(body.participant.status == .joining)
            let claims = try await TestApp.tokenService().verifyJoinToken(body.joinToken)
            #expect(claims.isGuest)
            #expect(claims.guestId != nil)
            #expect(claims.displayName == "Gäst 👋")

            let live = try await api.send(.get, "/v1/meetings/\(meeting.code)/participants", token: owner.accessToken)
                .decode(ParticipantListResponse.self)
            let guest = try #require(live.items.first { $0.id == body.participant.id })
            #expect(guest.guest)
            #expect(guest.userId == nil)
        }
    }

    @Test("waiting room: non-members wait, members do not")
    func waitingRoom() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let visitor = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, waitingRoom: true)

            let guest = try await api.join(meeting.code, JoinRequest(displayName: "Waiting guest")).decode(JoinResponse.self)
            #expect(guest.participant.status == .waiting)
            let user = try await api.join(meeting.code, token: visitor.accessToken).decode(JoinResponse.self)
            #expect(user.participant.status == .waiting)
            let claims = try await TestApp.tokenService().verifyJoinToken(user.joinToken)
            #expect(claims.status == .waiting)
            let ownerJoin = try await api.join(meeting.code, token: owner.accessToken).decode(JoinResponse.self)
            #expect(ownerJoin.participant.status == .joining)

            let live = try await api.send(.get, "/v1/meetings/\(meeting.code)/participants", token: owner.accessToken)
                .decode(ParticipantListResponse.self)
            #expect(live.items.filter { $0.status == .waiting }.count == 2)
            // A waiting participant's join token does not open the participant list.
            (try await api.send(.get, "/v1/meetings/\(meeting.code)/participants", token: guest.joinToken))
                .expectError(.forbidden, .forbidden)
        }
    }

    @Test("capacity counts live participants; the next join is 409")
    func capacity() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, capacity: 2)
            #expect(try await api.join(meeting.code, token: owner.accessToken).status == .ok)
            #expect(try await api.join(meeting.code, JoinRequest(displayName: "Second")).status == .ok)
            (try await api.join(meeting.code, JoinRequest(displayName: "Third"))).expectError(.conflict, .meetingFull)
            // The owner (like a host) is admitted past the capacity; that seat counts too.
            #expect(try await api.join(meeting.code, token: owner.accessToken).status == .ok)

            // Raising the capacity lets one more in.
            let patched = try await api.send(
                .patch, "/v1/meetings/\(meeting.code)", json: UpdateMeetingRequest(capacity: .set(4)), token: owner.accessToken
            )
            #expect(patched.status == .ok)
            #expect(try await api.join(meeting.code, JoinRequest(displayName: "Third")).status == .ok)
            (try await api.join(meeting.code, JoinRequest(displayName: "Fourth"))).expectError(.conflict, .meetingFull)
        }
    }

    @Test("concurrent joins never exceed the capacity")
    func capacityUnderConcurrency() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, capacity: 3)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask { try await api.join(meeting.code, JoinRequest(displayName: "Racer \(index)")).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 3)
            #expect(statuses.filter { $0 == .conflict }.count == 5)
        }
    }

    @Test("ended meeting: 410 for everyone")
    func ended() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "whatever")
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)", token: owner.accessToken).status == .noContent)
            (try await api.join(meeting.code, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            (try await api.join(meeting.code, JoinRequest(password: "whatever", displayName: "G"))).expectError(.gone, .meetingEnded)
        }
    }

    @Test("a join token of meeting A is refused for meeting B")
    func tokenBoundToMeeting() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meetingA = try await api.createMeeting(token: owner.accessToken, title: "Meeting A")
            let meetingB = try await api.createMeeting(token: owner.accessToken, title: "Meeting B")
            let joinA = try await api.join(meetingA.code, JoinRequest(displayName: "Guest of A")).decode(JoinResponse.self)

            let onA = try await api.send(.get, "/v1/meetings/\(meetingA.code)/participants", token: joinA.joinToken)
            #expect(onA.status == .ok)
            #expect(try onA.decode(ParticipantListResponse.self).items.contains { $0.id == joinA.participant.id })
            let messagesA = try await api.send(.get, "/v1/meetings/\(meetingA.code)/messages", token: joinA.joinToken)
            #expect(messagesA.status == .ok)

            (try await api.send(.get, "/v1/meetings/\(meetingB.code)/participants", token: joinA.joinToken))
                .expectError(.forbidden, .forbidden)
            (try await api.send(.get, "/v1/meetings/\(meetingB.code)/messages", token: joinA.joinToken))
                .expectError(.forbidden, .forbidden)
            // And the verifier ServerWS will use says the same.
            let tokens = try await TestApp.tokenService()
            await #expect(throws: TokenError.wrongMeeting) {
                try await tokens.verifyJoinToken(joinA.joinToken, forMeetingCode: meetingB.code)
            }
            // A join token is not an access token.
            (try await api.send(.get, "/v1/users/me", token: joinA.joinToken)).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("messages: empty history, paginated shape, cursor validated")
    func messages() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let path = "/v1/meetings/\(meeting.code)/messages"
            let page = try await api.send(.get, "\(path)?limit=10", token: owner.accessToken).decode(Page<MessageResponse>.self)
            #expect(page.items.isEmpty)
            #expect(page.nextCursor == nil)
            (try await api.send(.get, "\(path)?cursor=abc", token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "cursor")
            (try await api.send(.get, "\(path)?limit=0", token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "limit")
            (try await api.send(.get, path, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.get, path)).expectError(.unauthorized, .unauthorized)
        }
    }
}
