import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import Testing
@testable import MeetAPI

/// `GET /v1/users/me/export` and `DELETE /v1/users/me` (docs/operations.md,
/// "Data rights"), on the in-memory storage; Tests/e2e/test_data_rights.py
/// runs them on PostgreSQL.
@Suite("Account routes")
struct AccountRoutesTests {
    @Test("export: the caller's profile, meetings, memberships and invitations, with the cap stated; 401 without a token")
    func export() async throws {
        try await TestApp.run { api in
            let owner = try await api.register(displayName: "Exporter")
            let other = try await api.register()
            let mine = try await api.createMeeting(token: owner.accessToken, title: "Mine")
            let theirs = try await api.createMeeting(token: other.accessToken, title: "Theirs")
            _ = try await api.addMember(theirs.code, token: other.accessToken, email: owner.user.email, role: .host)
            let response = try await api.send(.get, "/v1/users/me/export", token: owner.accessToken)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect((json["profile"] as? [String: Any])?["email"] as? String == owner.user.email)
            #expect((json["meetingsOwned"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == [mine.code])
            #expect((json["memberships"] as? [Any])?.count == 2)
            for section in AccountExport.sections { #expect(json[section] is [Any], "\(section)") }
            let limits = try #require(json["limits"] as? [String: Any])
            #expect(limits["entriesPerSection"] as? Int == AccountExport.cap)
            #expect((limits["truncated"] as? [Any])?.isEmpty == true)
            #expect(!response.text.contains(other.user.email))
            (try await api.send(.get, "/v1/users/me/export")).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("the export cap cuts each list and names it")
    func exportCap() throws {
        let raw = try JSONSerialization.data(withJSONObject: ["profile": [:] as [String: Any], "messagesSent": [1, 2, 3], "bans": [1]])
        let capped = try #require(try JSONSerialization.jsonObject(with: try AccountExport.capped(raw, cap: 2)) as? [String: Any])
        #expect(capped["messagesSent"] as? [Int] == [1, 2])
        #expect(capped["bans"] as? [Int] == [1])
        #expect(capped["notifications"] as? [Any] != nil)
        #expect((capped["limits"] as? [String: Any])?["truncated"] as? [String] == ["messagesSent"])
    }

    @Test("delete needs the password; then the token is refused, meetings handed to a host or removed, chat kept as Deleted user")
    func delete() async throws {
        let store = MemoryStore()
        try await TestApp.run(store: store) { api in
            let leaving = try await api.register(password: "password1")
            let host = try await api.register()
            let attendee = try await api.register()
            let handed = try await api.createMeeting(token: leaving.accessToken, title: "Handed over")
            let alone = try await api.createMeeting(token: leaving.accessToken, title: "Alone")
            let elsewhere = try await api.createMeeting(token: attendee.accessToken, title: "Elsewhere")
            _ = try await api.addMember(handed.code, token: leaving.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(handed.code, token: leaving.accessToken, email: attendee.user.email, role: .attendee)
            let seat = try await api.join(elsewhere.code, token: leaving.accessToken).decode(JoinResponse.self).participant
            await store.transaction { tables in
                tables.messages.append(
                    MemoryTables.Message(
                        meetingId: elsewhere.id,
                        record: MessageRecord(
                            id: 1, participantId: seat.id, userId: leaving.user.id, displayName: "Test User", body: "bye", createdAt: Date())))
            }

            (try await api.send(.delete, "/v1/users/me", json: DeleteAccountRequest(password: "wrong-password"), token: leaving.accessToken))
                .expectError(.forbidden, .wrongPassword)
            (try await api.send(.delete, "/v1/users/me", token: leaving.accessToken)).expectError(.badRequest, .malformedJSON)
            (try await api.send(.delete, "/v1/users/me", json: DeleteAccountRequest(password: "password1")))
                .expectError(.unauthorized, .unauthorized)
            let deleted = try await api.send(.delete, "/v1/users/me", json: DeleteAccountRequest(password: "password1"), token: leaving.accessToken)
            #expect(deleted.status == .noContent, "\(deleted.text)")

            // Every session ends.
            (try await api.send(.get, "/v1/users/me", token: leaving.accessToken)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: leaving.refreshToken)))
                .expectError(.unauthorized, .invalidRefreshToken)
            // The meeting with a host is the host's now; the other one is gone.
            let now = try await api.send(.get, "/v1/meetings/\(handed.code)", token: host.accessToken).decode(MeetingResponse.self)
            #expect(now.ownerId == host.user.id)
            #expect(now.role == .owner)
            (try await api.send(.get, "/v1/meetings/\(alone.code)", token: host.accessToken)).expectError(.notFound, .notFound)
            // The chat stays, under "Deleted user"; the seat is a guest row.
            let history = try await api.send(.get, "/v1/meetings/\(elsewhere.code)/messages", token: attendee.accessToken)
                .decode(Page<MessageResponse>.self)
            #expect(history.items.map(\.displayName) == [DeletedUser.displayName])
            #expect(history.items.first?.userId == nil)
            let row = await store.transaction { $0.participants[seat.id]?.record }
            #expect(row?.userId == nil && row?.guestId != nil)
            // The address can be registered again, as a new account.
            #expect(try await api.register(email: leaving.user.email).user.id != leaving.user.id)
        }
    }
}
