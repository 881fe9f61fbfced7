import Foundation
import Hummingbird
import HummingbirdTesting
import MeetAPI
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

@Suite("Auth and account routes")
struct AuthRoutesTests {
    @Test("register returns the user and a token pair; the email is normalized")
    func register() async throws {
        try await TestApp.run { api in
            let email = TestApp.uniqueEmail("Reg").uppercased()
            let auth = try await api.register(email: "  \(email) ", displayName: " Zoë Ångström 🎥 ")
            #expect(auth.user.email == email.lowercased())
            #expect(auth.user.displayName == "Zoë Ångström 🎥")
            #expect(auth.tokenType == "Bearer")
            #expect(OpaqueToken.isWellFormed(auth.refreshToken))

            let me = try await api.send(.get, "/v1/users/me", token: auth.accessToken)
            #expect(me.status == .ok)
            #expect(try me.decode(UserResponse.self) == auth.user)
            #expect(!me.text.contains("password"))
        }
    }

    @Test("a duplicate email is 409, whatever its case")
    func duplicate() async throws {
        try await TestApp.run { api in
            let email = TestApp.uniqueEmail()
            _ = try await api.register(email: email)
            let again = try await api.send(
                .post, "/v1/auth/register",
                json: RegisterRequest(email: email.uppercased(), password: "password2", displayName: "Other")
            )
            again.expectError(.conflict, .emailTaken)
        }
    }

    @Test("login: 200 with the right password; the same 401 for a wrong password and an unknown email")
    func login() async throws {
        try await TestApp.run { api in
            let email = TestApp.uniqueEmail()
            let registered = try await api.register(email: email, password: "correct horse")
            let ok = try await api.send(.post, "/v1/auth/login", json: LoginRequest(email: email, password: "correct horse"))
            #expect(ok.status == .ok)
            #expect(try ok.decode(AuthResponse.self).user.id == registered.user.id)

            let wrong = try await api.send(.post, "/v1/auth/login", json: LoginRequest(email: email, password: "wrong horse"))
            wrong.expectError(.unauthorized, .invalidCredentials)
            let unknown = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "correct horse")
            )
            unknown.expectError(.unauthorized, .invalidCredentials)
            #expect(try wrong.decode(ErrorBody.self) == unknown.decode(ErrorBody.self))
            // A NUL would truncate the password in C; it must not log anyone in.
            let nul = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: email, password: "correct horse\u{0}extra")
            )
            nul.expectError(.unauthorized, .invalidCredentials)
        }
    }

    @Test("refresh rotates the token; replaying a rotated token revokes the whole family")
    func refreshRotation() async throws {
        try await TestApp.run { api in
            let auth = try await api.register()
            let first = try await api.send(.post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: auth.refreshToken))
            #expect(first.status == .ok)
            let rotated = try first.decode(AuthResponse.self)
            #expect(rotated.refreshToken != auth.refreshToken)
            #expect(rotated.user.id == auth.user.id)
            let me = try await api.send(.get, "/v1/users/me", token: rotated.accessToken)
            #expect(me.status == .ok)

            // Replay of the old one: refused, and the new one dies with it.
            let replay = try await api.send(.post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: auth.refreshToken))
            replay.expectError(.unauthorized, .invalidRefreshToken)
            let afterTheft = try await api.send(
                .post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: rotated.refreshToken)
            )
            afterTheft.expectError(.unauthorized, .invalidRefreshToken)
        }
    }

    @Test("logout revokes the refresh token; logging out twice is fine")
    func logout() async throws {
        try await TestApp.run { api in
            let auth = try await api.register()
            let out = try await api.send(.post, "/v1/auth/logout", json: RefreshRequest(refreshToken: auth.refreshToken))
            #expect(out.status == .noContent)
            let again = try await api.send(.post, "/v1/auth/logout", json: RefreshRequest(refreshToken: auth.refreshToken))
            #expect(again.status == .noContent)
            let refresh = try await api.send(.post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: auth.refreshToken))
            refresh.expectError(.unauthorized, .invalidRefreshToken)
            // Another login's family is untouched.
        }
    }

    @Test("PATCH /v1/users/me changes the name; a new password needs the current one and ends other sessions")
    func updateMe() async throws {
        try await TestApp.run { api in
            let email = TestApp.uniqueEmail()
            let auth = try await api.register(email: email, password: "first-pass")
            let renamed = try await api.send(.patch, "/v1/users/me", json: UpdateUserRequest(displayName: "Renamed"), token: auth.accessToken)
            #expect(renamed.status == .ok)
            #expect(try renamed.decode(UserResponse.self).displayName == "Renamed")

            let noCurrent = try await api.send(
                .patch, "/v1/users/me", json: UpdateUserRequest(password: "second-pass"), token: auth.accessToken
            )
            noCurrent.expectError(.unprocessableContent, .validationFailed, field: "currentPassword")
            let wrongCurrent = try await api.send(
                .patch, "/v1/users/me", json: UpdateUserRequest(password: "second-pass", currentPassword: "nope-nope"),
                token: auth.accessToken
            )
            wrongCurrent.expectError(.forbidden, .wrongPassword)
            let changed = try await api.send(
                .patch, "/v1/users/me", json: UpdateUserRequest(password: "second-pass", currentPassword: "first-pass"),
                token: auth.accessToken
            )
            #expect(changed.status == .ok)

            let oldRefresh = try await api.send(.post, "/v1/auth/refresh", json: RefreshRequest(refreshToken: auth.refreshToken))
            oldRefresh.expectError(.unauthorized, .invalidRefreshToken)
            let oldLogin = try await api.send(.post, "/v1/auth/login", json: LoginRequest(email: email, password: "first-pass"))
            oldLogin.expectError(.unauthorized, .invalidCredentials)
            let newLogin = try await api.send(.post, "/v1/auth/login", json: LoginRequest(email: email, password: "second-pass"))
            #expect(newLogin.status == .ok)
        }
    }

    @Test("missing, forged, expired and wrong-kind tokens are 401")
    func badTokens() async throws {
        try await TestApp.run { api in
            let auth = try await api.register()
            let past = try await TestApp.tokenService { Date().addingTimeInterval(-7200) }
            let expired = try await past.makeAccessToken(userId: auth.user.id).token
            let forger = await TokenService(configuration: try JWTConfiguration(secret: String(repeating: "f", count: 40)))
            let forged = try await forger.makeAccessToken(userId: auth.user.id).token

            (try await api.send(.get, "/v1/users/me")).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "/v1/users/me", token: expired)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "/v1/users/me", token: forged)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "/v1/users/me", token: auth.refreshToken)).expectError(.unauthorized, .unauthorized)
            (try await api.send(.get, "/v1/users/me", headers: [("Authorization", "Basic dXNlcjpwYXNz")]))
                .expectError(.unauthorized, .unauthorized)
            // A valid token for a user that does not exist (here: never registered).
            let ghost = try await (try await TestApp.tokenService()).makeAccessToken(userId: UUID()).token
            (try await api.send(.get, "/v1/users/me", token: ghost)).expectError(.unauthorized, .unauthorized)
        }
    }

    @Test("login and register are rate limited per email and per client address")
    func rateLimits() async throws {
        try await TestApp.run({
            $0.authRateLimitPerEmail = 3
            $0.authRateLimitPerAddress = 5
            $0.http.trustProxy = true
        }) { api in
            let email = TestApp.uniqueEmail()
            _ = try await api.register(email: email)
            let fromA = [("X-Forwarded-For", "198.51.100.1")]
            for _ in 0..<3 {
                let attempt = try await api.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: email, password: "wrong-pass"), headers: fromA
                )
                attempt.expectError(.unauthorized, .invalidCredentials)
            }
            let limited = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"), headers: fromA
            )
            limited.expectError(.tooManyRequests, .rateLimited)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)

            // Per address: five attempts at different emails, then the sixth is refused.
            let fromB = [("X-Forwarded-For", "203.0.113.7, 10.0.0.1")]
            for _ in 0..<5 {
                let attempt = try await api.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                    headers: fromB
                )
                attempt.expectError(.unauthorized, .invalidCredentials)
            }
            let register = try await api.send(
                .post, "/v1/auth/register",
                json: RegisterRequest(email: TestApp.uniqueEmail(), password: "password1", displayName: "X"), headers: fromB
            )
            #expect(register.status == .created, "register counts separately from login")
            let sixth = try await api.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"), headers: fromB
            )
            sixth.expectError(.tooManyRequests, .rateLimited)
        }
    }
}
