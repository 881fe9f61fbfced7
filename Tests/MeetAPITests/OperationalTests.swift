import Foundation
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetProtocol
import Testing
@testable import MeetAPI

@Suite("Health, readiness, metrics, unknown routes")
struct OperationalTests {
    @Test("healthz and readyz answer ok with a reachable database")
    func health() async throws {
        try await TestApp.run { api in
            let health = try await api.send(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(try health.decode(HealthResponse.self).status == "ok")
            let ready = try await api.send(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(try ready.decode(HealthResponse.self).checks == ["database": "ok"])
        }
    }

    @Test("metrics count requests by route template and status")
    func metrics() async throws {
        try await TestApp.run { api in
            let auth = try await api.register()
            let meeting = try await api.createMeeting(token: auth.accessToken)
            _ = try await api.send(.get, "/v1/meetings/\(meeting.code)", token: auth.accessToken)
            _ = try await api.send(.get, "/v1/meetings/zzz-zzzz-zzz", token: auth.accessToken)
            _ = try await api.send(.get, "/no/such/route")
            let response = try await api.send(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains(#"meet_http_requests_total{route="/v1/meetings/{code}",method="GET",status="200"}"#))
            #expect(text.contains(#"meet_http_requests_total{route="/v1/meetings/{code}",method="GET",status="404"}"#))
            #expect(text.contains(#"meet_http_requests_total{route="unmatched",method="GET",status="404"}"#))
            #expect(text.contains(#"meet_http_request_duration_seconds_bucket{route="/v1/auth/register",method="POST",status="201""#))
            #expect(!text.contains(meeting.code), "raw paths must not become labels")
        }
    }

    @Test("unknown routes are JSON 404s; a known path with another method is 405 with Allow")
    func unknownRoutes() async throws {
        try await TestApp.run { api in
            (try await api.send(.get, "/nope/nope")).expectError(.notFound, .notFound)
            (try await api.send(.trace, "/nope/nope")).expectError(.notFound, .notFound)
            let put = try await api.send(.put, "/v1/users/me", raw: "{}")
            put.expectError(.methodNotAllowed, .methodNotAllowed)
            #expect(put.headers[.allow] == "DELETE, GET, PATCH")  // DELETE: account deletion (#20)
            let login = try await api.send(.get, "/v1/auth/login")
            login.expectError(.methodNotAllowed, .methodNotAllowed)
            #expect(login.headers[.allow] == "POST")
            let trace = try await api.send(.trace, "/v1/meetings")
            trace.expectError(.methodNotAllowed, .methodNotAllowed)
            #expect(trace.headers[.allow] == "GET, POST")
            let code = try await api.send(.options, "/v1/meetings/abc-defg-hij/members/\(UUID())")
            code.expectError(.methodNotAllowed, .methodNotAllowed)
            #expect(code.headers[.allow] == "DELETE, PATCH")
            let root = try await api.send(.delete, "/")
            root.expectError(.methodNotAllowed, .methodNotAllowed)
            #expect(root.headers[.allow] == "GET")
        }
    }

    @Test("configuration is read from MEET_* variables with meet-api's defaults")
    func configuration() throws {
        let environment = EnvironmentReader([
            "MEET_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/meet",
            "MEET_JWT_SECRET": String(repeating: "j", count: 32),
            "MEET_BCRYPT_COST": "12",
            "MEET_PUBLIC_WS_URL": "wss://meet.example.com/v1/ws",
        ])
        let configuration = try APIConfiguration(environment: environment)
        #expect(configuration.http.port == 8080)
        #expect(configuration.bcryptCost == 12)
        #expect(configuration.publicWebSocketURL == "wss://meet.example.com/v1/ws")
        #expect(configuration.accessTokenTTL == .seconds(900))
        #expect(configuration.joinTokenTTL == .seconds(300))
        #expect(configuration.migrateOnStart)

        for (name, value) in [("MEET_BCRYPT_COST", "3"), ("MEET_PUBLIC_WS_URL", "http://x"), ("MEET_JOIN_TOKEN_TTL_SECONDS", "0")] {
            var values = environment.values
            values[name] = value
            do {
                _ = try APIConfiguration(environment: EnvironmentReader(values))
                Issue.record("accepted \(name)=\(value)")
            } catch {
                #expect(error.variable == name)
            }
        }
    }
}
