import Foundation
import Hummingbird
import HummingbirdTesting
import MeetAuth
import MeetProtocol
import Testing
@testable import MeetAPI

/// `/v1/meetings/{code}/invitations` and `/v1/invitations` (docs/scheduling.md,
/// "Invitations"), on the in-memory storage.
@Suite("Invitation routes")
struct InvitationRoutesTests {
    @Test("the authorization matrix: owner and host invite, members list, invitee answers, strangers get 403 or 404")
    func authorization() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let member = try await api.register()
            let invitee = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: member.user.email, role: .attendee)
            let path = "/v1/meetings/\(meeting.code)/invitations"

            for token in [member.accessToken, stranger.accessToken, invitee.accessToken] {
                (try await api.send(.post, path, json: CreateInvitationRequest(email: "x@example.com"), token: token))
                    .expectError(.forbidden, .forbidden)
            }
            (try await api.send(.post, path, json: CreateInvitationRequest(email: "x@example.com"))).expectError(.unauthorized, .unauthorized)
            let made = try await api.send(.post, path, json: CreateInvitationRequest(userId: invitee.user.id, role: .host), token: host.accessToken)
            #expect(made.status == .created, "\(made.text)")
            let invitation = try made.decode(InvitationResponse.self)
            #expect(invitation.email == invitee.user.email)
            #expect(invitation.status == .pending)
            #expect(invitation.role == .host)

            for token in [owner.accessToken, host.accessToken, member.accessToken] {
                #expect(try await api.send(.get, path, token: token).decode(InvitationListResponse.self).items.map(\.id) == [invitation.id])
            }
            (try await api.send(.get, path, token: stranger.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.get, path, token: invitee.accessToken)).expectError(.forbidden, .forbidden)

            // Only the invitee sees and answers it.
            #expect(try await api.send(.get, "/v1/invitations", token: invitee.accessToken).decode(InvitationListResponse.self).items.count == 1)
            #expect(try await api.send(.get, "/v1/invitations", token: stranger.accessToken).decode(InvitationListResponse.self).items.isEmpty)
            (try await api.send(.post, "/v1/invitations/\(invitation.id)/accept", token: stranger.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.post, "/v1/invitations/\(invitation.id)/accept", token: owner.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.delete, "\(path)/\(invitation.id)", token: member.accessToken)).expectError(.forbidden, .forbidden)

            let accepted = try await api.send(.post, "/v1/invitations/\(invitation.id)/accept", token: invitee.accessToken)
                .decode(InvitationResponse.self)
            #expect(accepted.status == .accepted)
            let members = try await api.send(.get, "/v1/meetings/\(meeting.code)/members", token: invitee.accessToken)
                .decode(MemberListResponse.self)
            #expect(members.items.first { $0.userId == invitee.user.id }?.role == .host)
            let declined = try await api.send(.post, "/v1/invitations/\(invitation.id)/decline", token: invitee.accessToken)
                .decode(InvitationResponse.self)
            #expect(declined.status == .declined)
            (try await api.send(.get, "/v1/meetings/\(meeting.code)/members", token: invitee.accessToken)).expectError(.forbidden, .forbidden)

            #expect(try await api.send(.delete, "\(path)/\(invitation.id)", token: owner.accessToken).status == .noContent)
            (try await api.send(.delete, "\(path)/\(invitation.id)", token: owner.accessToken)).expectError(.notFound, .notFound)
        }
    }

    @Test("a pending invitation lets its invitee join a password meeting without the password, as an attendee until accepted")
    func pendingInviteeJoins() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let invitee = try await api.register()
            let stranger = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "secret-pass", waitingRoom: true)
            (try await api.join(meeting.code, token: invitee.accessToken)).expectError(.forbidden, .wrongPassword)
            #expect(
                try await api.send(
                    .post, "/v1/meetings/\(meeting.code)/invitations", json: CreateInvitationRequest(email: invitee.user.email, role: .host),
                    token: owner.accessToken
                ).status == .created)
            let joined = try await api.join(meeting.code, token: invitee.accessToken)
            #expect(joined.status == .ok, "\(joined.text)")
            let body = try joined.decode(JoinResponse.self)
            #expect(body.participant.role == .attendee)
            #expect(body.participant.status == .joining)  // not held in the waiting room
            (try await api.join(meeting.code, token: stranger.accessToken)).expectError(.forbidden, .wrongPassword)
            // Accepted, the invitation's role applies (a membership now).
            let mine = try await api.send(.get, "/v1/invitations", token: invitee.accessToken).decode(InvitationListResponse.self)
            _ = try await api.send(.post, "/v1/invitations/\(mine.items[0].id)/accept", token: invitee.accessToken)
            #expect(try await api.join(meeting.code, token: invitee.accessToken).decode(JoinResponse.self).participant.role == .host)
        }
    }

    @Test("an address without an account is invited by email; registering it alone grants nothing, the link's secret does")
    func inviteByEmail() async throws {
        let store = MemoryStore()
        try await TestApp.run(store: store) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, password: "secret-pass")
            let email = TestApp.uniqueEmail()
            let path = "/v1/meetings/\(meeting.code)/invitations"
            let made = try await api.send(.post, path, json: CreateInvitationRequest(email: "  \(email.uppercased()) "), token: owner.accessToken)
            #expect(made.status == .created, "\(made.text)")
            let invitation = try made.decode(InvitationResponse.self)
            #expect(invitation.userId == nil)
            (try await api.send(.post, path, json: CreateInvitationRequest(email: email), token: owner.accessToken))
                .expectError(.conflict, .alreadyMember)
            // The email's link carries a secret; only its hash is stored.
            let stored = try #require(await store.transaction { $0.invitations[invitation.id] })
            let secretHash = try #require(stored.secretHash)
            let secret = "known-secret-of-the-email-link"
            await store.transaction { $0.invitations[invitation.id]?.secretHash = OpaqueToken.hash(secret) }
            #expect(secretHash != OpaqueToken.hash(secret))

            // Whoever registers the address sees nothing, joins nothing, answers nothing without the secret.
            let squatter = try await api.register(email: email)
            #expect(try await api.send(.get, "/v1/invitations", token: squatter.accessToken).decode(InvitationListResponse.self).items.isEmpty)
            (try await api.join(meeting.code, token: squatter.accessToken)).expectError(.forbidden, .wrongPassword)
            let accept = "/v1/invitations/\(invitation.id)/accept"
            (try await api.send(.post, accept, token: squatter.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.post, accept, json: AnswerInvitationRequest(secret: "guess"), token: squatter.accessToken))
                .expectError(.notFound, .notFound)
            (try await api.send(.post, "/v1/invitations/\(invitation.id)/decline", token: squatter.accessToken)).expectError(.notFound, .notFound)

            // The link's holder (any account) answers with it; the invitation is theirs from then on.
            let holder = try await api.register()
            let accepted = try await api.send(.post, accept, json: AnswerInvitationRequest(secret: secret), token: holder.accessToken)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try accepted.decode(InvitationResponse.self).userId == holder.user.id)
            #expect(try await api.join(meeting.code, token: holder.accessToken).status == .ok)
            #expect(try await api.send(.get, "/v1/invitations", token: holder.accessToken).decode(InvitationListResponse.self).items.count == 1)
            // Bound: the secret no longer answers it for anyone else.
            (try await api.send(.post, accept, json: AnswerInvitationRequest(secret: secret), token: squatter.accessToken))
                .expectError(.notFound, .notFound)
        }
    }

    @Test("an invitation by user id is answered without a secret, as before")
    func inviteByUserIdNeedsNoSecret() async throws {
        let store = MemoryStore()
        try await TestApp.run(store: store) { api in
            let owner = try await api.register()
            let invitee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let invitation = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/invitations", json: CreateInvitationRequest(userId: invitee.user.id),
                token: owner.accessToken
            ).decode(InvitationResponse.self)
            #expect(await store.transaction { $0.invitations[invitation.id]?.secretHash } == nil)
            let accepted = try await api.send(.post, "/v1/invitations/\(invitation.id)/accept", token: invitee.accessToken)
            #expect(try accepted.decode(InvitationResponse.self).status == .accepted)
        }
    }

    @Test("bad invitations are 422 naming the field; a member is 409")
    func badInput() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let path = "/v1/meetings/\(meeting.code)/invitations"
            (try await api.send(.post, path, json: CreateInvitationRequest(email: "nope"), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "email")
            (try await api.send(.post, path, json: CreateInvitationRequest(userId: UUID()), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "userId")
            (try await api.send(.post, path, json: CreateInvitationRequest(), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "userId")
            (try await api.send(.post, path, json: CreateInvitationRequest(email: "a@example.com", role: .owner), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "role")
            (try await api.send(.post, path, json: CreateInvitationRequest(userId: owner.user.id), token: owner.accessToken))
                .expectError(.conflict, .alreadyMember)
            (try await api.send(.post, "/v1/invitations/not-a-uuid/accept", token: owner.accessToken)).expectError(.notFound, .notFound)
        }
    }

    @Test("invited users see the meeting in upcoming, with the invitation's role; declining removes it")
    func upcomingIncludesInvitations() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let invitee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let single = ScheduleRequest(startsAt: "2030-06-02T07:00:00Z", endsAt: "2030-06-02T08:00:00Z", timeZone: "UTC")
            #expect(try await api.send(.put, "/v1/meetings/\(meeting.code)/schedule", json: single, token: owner.accessToken).status == .ok)
            let invitation = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/invitations", json: CreateInvitationRequest(email: invitee.user.email),
                token: owner.accessToken
            ).decode(InvitationResponse.self)
            let query = "/v1/meetings/upcoming?from=2030-06-01T00:00:00Z&to=2030-07-01T00:00:00Z"
            let before = try await api.send(.get, query, token: invitee.accessToken).decode(Page<UpcomingItem>.self)
            #expect(before.items.map(\.meeting.code) == [meeting.code])
            #expect(before.items.first?.meeting.role == .attendee)
            _ = try await api.send(.post, "/v1/invitations/\(invitation.id)/decline", token: invitee.accessToken)
            #expect(try await api.send(.get, query, token: invitee.accessToken).decode(Page<UpcomingItem>.self).items.isEmpty)
        }
    }
}
