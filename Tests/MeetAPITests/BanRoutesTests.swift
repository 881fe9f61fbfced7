import Foundation
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetProtocol
import Testing
@testable import MeetAPI

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

    @Test("the bans of an ended meeting are gone: 410 meeting_ended, like every other route of it")
    func endedMeeting() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let bans = "/v1/meetings/\(meeting.code)/bans"
            #expect(try await api.send(.get, bans, token: owner.accessToken).status == .ok)
            #expect(try await api.send(.delete, "/v1/meetings/\(meeting.code)", token: owner.accessToken).status == .noContent)
            (try await api.send(.get, bans, token: owner.accessToken)).expectError(.gone, .meetingEnded)
            (try await api.send(.delete, "\(bans)/\(UUID())", token: owner.accessToken)).expectError(.gone, .meetingEnded)
        }
    }

    @Test("a kicked guest is kept out by the address or device its join stored")
    func guestBanByOrigin() async throws {
        let store = MemoryStore()
        try await TestApp.run({ $0.http.trustProxy = true }, store: store) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let from = [("X-Forwarded-For", "198.51.100.30")]
            let joined = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/join", json: JoinRequest(displayName: "Gus", deviceId: "device-kicked"),
                headers: from
            ).decode(JoinResponse.self)
            await MemoryParticipantRepository(store: store).kick(participantId: joined.participant.id, by: owner.user.id)

            (try await api.send(.post, "/v1/meetings/\(meeting.code)/join", json: JoinRequest(displayName: "Gus"), headers: from))
                .expectError(.forbidden, .banned)
            (try await api.send(
                .post, "/v1/meetings/\(meeting.code)/join", json: JoinRequest(displayName: "Gus", deviceId: "device-kicked"),
                headers: [("X-Forwarded-For", "203.0.113.30")]))
                .expectError(.forbidden, .banned)
            let stranger = try await api.send(
                .post, "/v1/meetings/\(meeting.code)/join", json: JoinRequest(displayName: "Sue"),
                headers: [("X-Forwarded-For", "203.0.113.31")])
            #expect(stranger.status == .ok)
        }
    }
}
