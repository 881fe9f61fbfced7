import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing

@Suite("Member routes")
struct MemberRoutesTests {
    @Test("owner adds by email or id, changes roles, removes; the list shows it")
    func manage() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let alice = try await api.register()
            let bob = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let members = "/v1/meetings/\(meeting.code)/members"

            let added = try await api.addMember(meeting.code, token: owner.accessToken, email: alice.user.email.uppercased(), role: .host)
            #expect(added.userId == alice.user.id)
            #expect(added.role == .host)
            let byId = try await api.send(.post, members, json: AddMemberRequest(userId: bob.user.id), token: owner.accessToken)
            #expect(byId.status == .created)
            #expect(try byId.decode(MemberResponse.self).role == .attendee)

            let promoted = try await api.send(
                .patch, "\(members)/\(bob.user.id)", json: UpdateMemberRequest(role: .host), token: alice.accessToken
            )
            #expect(promoted.status == .ok)
            #expect(try promoted.decode(MemberResponse.self).role == .host)

            let list = try await api.send(.get, members, token: bob.accessToken).decode(MemberListResponse.self)
            #expect(Set(list.items.map(\.userId)) == [owner.user.id, alice.user.id, bob.user.id])

            #expect(try await api.send(.delete, "\(members)/\(bob.user.id)", token: alice.accessToken).status == .noContent)
            (try await api.send(.delete, "\(members)/\(bob.user.id)", token: alice.accessToken)).expectError(.notFound, .notFound)
        }
    }

    @Test("an attendee cannot add, change or remove members")
    func attendeeCannotManage() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let attendee = try await api.register()
            let other = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let members = "/v1/meetings/\(meeting.code)/members"
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: other.user.email, role: .attendee)

            (try await api.send(.post, members, json: AddMemberRequest(email: TestApp.uniqueEmail()), token: attendee.accessToken))
                .expectError(.forbidden, .forbidden)
            (try await api.send(.patch, "\(members)/\(other.user.id)", json: UpdateMemberRequest(role: .host), token: attendee.accessToken))
                .expectError(.forbidden, .forbidden)
            (try await api.send(.delete, "\(members)/\(other.user.id)", token: attendee.accessToken))
                .expectError(.forbidden, .forbidden)
            // ...but may see the list, and leave.
            #expect(try await api.send(.get, members, token: attendee.accessToken).status == .ok)
            #expect(try await api.send(.delete, "\(members)/\(attendee.user.id)", token: attendee.accessToken).status == .noContent)
            (try await api.send(.get, members, token: attendee.accessToken)).expectError(.forbidden, .forbidden)
        }
    }

    @Test("the owner cannot be removed or demoted, and nobody is made owner")
    func ownerProtected() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let members = "/v1/meetings/\(meeting.code)/members"
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)

            (try await api.send(.delete, "\(members)/\(owner.user.id)", token: host.accessToken))
                .expectError(.forbidden, .ownerProtected)
            (try await api.send(.delete, "\(members)/\(owner.user.id)", token: owner.accessToken))
                .expectError(.forbidden, .ownerProtected)
            (try await api.send(.patch, "\(members)/\(owner.user.id)", json: UpdateMemberRequest(role: .attendee), token: host.accessToken))
                .expectError(.forbidden, .ownerProtected)
            (try await api.send(.patch, "\(members)/\(host.user.id)", json: UpdateMemberRequest(role: .owner), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "role")
            (try await api.send(.post, members, json: AddMemberRequest(email: TestApp.uniqueEmail(), role: .owner), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "role")
        }
    }

    @Test("adding: unknown user 422 naming the field, existing member 409, neither or both identifiers 422")
    func addErrors() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let alice = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let members = "/v1/meetings/\(meeting.code)/members"
            (try await api.send(.post, members, json: AddMemberRequest(email: TestApp.uniqueEmail()), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "email")
            (try await api.send(.post, members, json: AddMemberRequest(userId: UUID()), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "userId")
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: alice.user.email, role: .attendee)
            (try await api.send(.post, members, json: AddMemberRequest(userId: alice.user.id), token: owner.accessToken))
                .expectError(.conflict, .alreadyMember)
            (try await api.send(.post, members, raw: "{}", token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "userId")
            (try await api.send(.post, members, json: AddMemberRequest(userId: alice.user.id, email: alice.user.email), token: owner.accessToken))
                .expectError(.unprocessableContent, .validationFailed, field: "userId")
            (try await api.send(.patch, "\(members)/\(UUID())", json: UpdateMemberRequest(role: .host), token: owner.accessToken))
                .expectError(.notFound, .notFound)
            (try await api.send(.patch, "\(members)/not-a-uuid", json: UpdateMemberRequest(role: .host), token: owner.accessToken))
                .expectError(.notFound, .notFound)
        }
    }
}
