import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing

/// `/v1/meetings/{code}/bans` and what REST does with membership changes
/// (the kick that writes a ban is meet-ws's: Tests/MeetWSTests/Integration/SeatTests.swift).
@Suite("Ban routes and membership changes")
struct BanRoutesTests {
    @Test("bans are for owner and host only; unknown and malformed ids are 404")
    func access() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let attendee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)
            let bans = "/v1/meetings/\(meeting.code)/bans"

            for token in [owner.accessToken, host.accessToken] {
                let list = try await api.send(.get, bans, token: token)
                #expect(list.status == .ok)
                #expect(try list.decode(BanListResponse.self).items.isEmpty)
            }
            (try await api.send(.get, bans, token: attendee.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.get, bans)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.delete, "\(bans)/\(UUID())", token: attendee.accessToken)).expectError(.forbidden, .forbidden)
            (try await api.send(.delete, "\(bans)/\(UUID())", token: host.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.delete, "\(bans)/not-a-uuid", token: owner.accessToken)).expectError(.notFound, .notFound)
            (try await api.send(.get, "/v1/meetings/aaa-bbbb-ccc/bans", token: owner.accessToken)).expectError(.notFound, .notFound)
        }
    }

    @Test("a join's deviceId must be 8 to 64 URL-safe characters")
    func deviceId() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            for bad in ["short", String(repeating: "x", count: 65), "has space in it", "ünïcödé-id"] {
                (try await api.join(meeting.code, JoinRequest(displayName: "Gus", deviceId: bad)))
                    .expectError(.unprocessableContent, .validationFailed, field: "deviceId")
            }
            let good = try await api.join(meeting.code, JoinRequest(displayName: "Gus", deviceId: "A1b2-C3d4_e5"))
            #expect(good.status == .ok)
        }
    }

    @Test("a role change reaches the seats its user holds: the participant list shows the new role")
    func roleFollowsMembership() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let cohost = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: cohost.user.email, role: .host)
            let joined = try await api.join(meeting.code, token: cohost.accessToken).decode(JoinResponse.self)
            #expect(joined.participant.role == .host)

            let member = "/v1/meetings/\(meeting.code)/members/\(cohost.user.id)"
            let participants = "/v1/meetings/\(meeting.code)/participants"
            func role() async throws -> MemberRole? {
                let list = try await api.send(.get, participants, token: owner.accessToken).decode(ParticipantListResponse.self)
                return list.items.first { $0.id == joined.participant.id }?.role
            }
            #expect(try await api.send(.patch, member, json: UpdateMemberRequest(role: .attendee), token: owner.accessToken).status == .ok)
            #expect(try await role() == .attendee)
            #expect(try await api.send(.patch, member, json: UpdateMemberRequest(role: .host), token: owner.accessToken).status == .ok)
            #expect(try await role() == .host)
            #expect(try await api.send(.delete, member, token: owner.accessToken).status == .noContent)
            #expect(try await role() == .attendee)
        }
    }
}
