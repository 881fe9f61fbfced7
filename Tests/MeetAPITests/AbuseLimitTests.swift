import Foundation
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetProtocol
import Testing
@testable import MeetAPI

/// Limits that slow attackers down without locking out the people they
/// target (issue #13, item 4): guest joins per meeting and per address,
/// owners and hosts past a full meeting, and a login policy under which a
/// spread-out password guess cannot lock the owner out.
@Suite("Abuse limits: guest joins, seats for owners and hosts, logins under attack")
struct AbuseLimitTests {
    static func from(_ address: String) -> [(String, String)] { [("X-Forwarded-For", address)] }

    @Test("guest joins are limited per meeting, with a JSON 429 and Retry-After")
    func guestJoinsPerMeeting() async throws {
        try await TestApp.run({
            $0.guestJoinRateLimitPerMeeting = 3
            $0.http.trustProxy = true
        }) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let other = try await api.createMeeting(token: owner.accessToken, title: "Other meeting")
            let body = try String(decoding: APIClient.encoder.encode(JoinRequest(displayName: "Bot")), as: UTF8.self)
            for index in 0..<3 {
                let join = try await api.send(.post, "/v1/meetings/\(meeting.code)/join", raw: body, headers: Self.from("192.0.2.\(index)"))
                #expect(join.status == .ok, "\(join.text)")
            }
            let limited = try await api.send(.post, "/v1/meetings/\(meeting.code)/join", raw: body, headers: Self.from("192.0.2.9"))
            limited.expectError(.tooManyRequests, .rateLimited)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Another meeting has its own budget; signed-in joins are not counted.
            #expect(try await api.send(.post, "/v1/meetings/\(other.code)/join", raw: body, headers: Self.from("192.0.2.9")).status == .ok)
            #expect(try await api.join(meeting.code, token: owner.accessToken).status == .ok)
        }
    }

    @Test("guest joins are limited per client address")
    func guestJoinsPerAddress() async throws {
        try await TestApp.run({
            $0.guestJoinRateLimitPerAddress = 2
            $0.http.trustProxy = true
        }) { api in
            let owner = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken)
            let body = try String(decoding: APIClient.encoder.encode(JoinRequest(displayName: "Bot")), as: UTF8.self)
            let bot = Self.from("198.51.100.\(Int.random(in: 1...250))")
            for _ in 0..<2 {
                #expect(try await api.send(.post, "/v1/meetings/\(meeting.code)/join", raw: body, headers: bot).status == .ok)
            }
            (try await api.send(.post, "/v1/meetings/\(meeting.code)/join", raw: body, headers: bot))
                .expectError(.tooManyRequests, .rateLimited)
            let person = Self.from("203.0.113.\(Int.random(in: 1...250))")
            #expect(try await api.send(.post, "/v1/meetings/\(meeting.code)/join", raw: body, headers: person).status == .ok)
        }
    }

    @Test("owners and hosts get in when guests have filled the meeting; attendees do not")
    func ownersAndHostsPastCapacity() async throws {
        try await TestApp.run { api in
            let owner = try await api.register()
            let host = try await api.register()
            let attendee = try await api.register()
            let meeting = try await api.createMeeting(token: owner.accessToken, waitingRoom: true, capacity: 2)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: host.user.email, role: .host)
            _ = try await api.addMember(meeting.code, token: owner.accessToken, email: attendee.user.email, role: .attendee)
            for index in 0..<2 {
                let bot = try await api.join(meeting.code, JoinRequest(displayName: "Bot \(index)"))
                #expect(try bot.decode(JoinResponse.self).participant.status == .waiting)
            }
            (try await api.join(meeting.code, JoinRequest(displayName: "Bot 3"))).expectError(.conflict, .meetingFull)
            (try await api.join(meeting.code, token: attendee.accessToken)).expectError(.conflict, .meetingFull)
            let ownerJoin = try await api.join(meeting.code, token: owner.accessToken)
            #expect(ownerJoin.status == .ok, "\(ownerJoin.text)")
            #expect(try ownerJoin.decode(JoinResponse.self).participant.role == .owner)
            let hostJoin = try await api.join(meeting.code, token: host.accessToken)
            #expect(hostJoin.status == .ok, "\(hostJoin.text)")
            #expect(try hostJoin.decode(JoinResponse.self).participant.role == .host)
        }
    }

    @Test("a password guess spread over many addresses cannot lock the owner out")
    func loginUnderAttack() async throws {
        try await TestApp.run({
            $0.authRateLimitPerEmail = 4
            $0.authRateLimitPerEmailGlobal = 6
            $0.authUnderAttackDelay = .zero
            $0.http.trustProxy = true
        }) { api in
            let email = TestApp.uniqueEmail("victim")
            _ = try await api.register(email: email)
            let wrong = LoginRequest(email: email, password: "wrong-pass")
            // 12 attackers × 3 guesses: 36 attempts, six times the global budget.
            for attacker in 0..<12 {
                for _ in 0..<3 {
                    let response = try await api.send(.post, "/v1/auth/login", json: wrong, headers: Self.from("10.9.\(attacker).1"))
                    #expect(response.status == .unauthorized || response.status == .tooManyRequests, "\(response.text)")
                }
            }
            // Under attack, each address gets a quarter of its allowance: attacker 0 is cut off…
            (try await api.send(.post, "/v1/auth/login", json: wrong, headers: Self.from("10.9.0.1")))
                .expectError(.tooManyRequests, .rateLimited)
            // …but the owner, from an address of their own, still logs in.
            let owner = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"), headers: Self.from("203.0.113.50"))
            #expect(owner.status == .ok, "\(owner.text)")
        }
    }

    @Test("behind a trusted proxy the client is the last X-Forwarded-For hop, not a forgeable first entry")
    func lastForwardedHop() async throws {
        try await TestApp.run({
            $0.authRateLimitPerAddress = 2
            $0.http.trustProxy = true
        }) { api in
            // The client writes whatever it likes before the proxy's own entry:
            // a new forged first entry every time must not buy a new bucket.
            for forged in ["1.1.1.1", "2.2.2.2"] {
                let response = try await api.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                    headers: Self.from("\(forged), 198.51.100.20"))
                response.expectError(.unauthorized, .invalidCredentials)
            }
            (try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                headers: Self.from("3.3.3.3, 198.51.100.20")))
                .expectError(.tooManyRequests, .rateLimited)
            // Another proxy-added hop is another client.
            let other = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                headers: Self.from("3.3.3.3, 198.51.100.21"))
            other.expectError(.unauthorized, .invalidCredentials)
        }
        #expect(ClientAddressMiddleware.lastForwardedHop([.init("X-Forwarded-For")!: "a, b,  c "]) == "c")
        #expect(ClientAddressMiddleware.lastForwardedHop([.init("X-Forwarded-For")!: "a,"]) == nil)
        #expect(ClientAddressMiddleware.lastForwardedHop([:]) == nil)
    }

    @Test("logins for an email under attack are spaced out: 429 with Retry-After at once, never held")
    func loginSpacingUnderAttack() async throws {
        try await TestApp.run({
            $0.authRateLimitPerEmailGlobal = 2
            // Long enough that no machine is slow enough to reach the next turn within this test.
            $0.authUnderAttackDelay = .seconds(600)
            $0.http.trustProxy = true
        }) { api in
            let email = TestApp.uniqueEmail("spaced")
            _ = try await api.register(email: email)
            let wrong = LoginRequest(email: email, password: "wrong-pass")
            for attacker in 0..<2 {
                (try await api.send(.post, "/v1/auth/login", json: wrong, headers: Self.from("10.8.\(attacker).1")))
                    .expectError(.unauthorized, .invalidCredentials)
            }
            // Past the global budget: the first attempt takes the email's turn…
            (try await api.send(.post, "/v1/auth/login", json: wrong, headers: Self.from("10.8.2.1")))
                .expectError(.unauthorized, .invalidCredentials)
            // …and the next, from anywhere, is told when the next turn is.
            let spaced = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"), headers: Self.from("203.0.113.9"))
            spaced.expectError(.tooManyRequests, .rateLimited)
            let retryAfter = try #require(spaced.headers[.retryAfter].flatMap(Int.init))
            #expect((1...600).contains(retryAfter))
            #expect(try spaced.decode(ErrorBody.self).error.message.contains("sign-in attempts"))
        }
    }
}
