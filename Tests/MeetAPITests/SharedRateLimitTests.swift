import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MeetCore
import MeetProtocol
import Testing
@testable import MeetAPI

/// Two meet-api applications ("replicas") with the same Redis
/// (`MEET_TEST_REDIS_URL`) and the same (in-memory) storage count login/register attempts
/// together; with Redis down they fail open to per-process limits.
/// Every test uses its own email and client address, so runs in parallel and
/// repeated runs within one window do not share counters.
@Suite("auth rate limits shared through Redis")
struct SharedRateLimitTests {
    static func redisURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"], !url.isEmpty else {
            throw TestSetupError(
                "MEET_TEST_REDIS_URL is not set; run through scripts/test or export it, e.g. redis://127.0.0.1:56379")
        }
        return url
    }

    /// Runs `test` against two applications built from one configuration.
    static func withTwoReplicas(
        _ tweak: (inout APIConfiguration) -> Void,
        _ test: @Sendable (APIClient, APIClient) async throws -> Void
    ) async throws {
        let configuration = try await TestApp.configuration(tweak)
        let store = MemoryStore()
        let first = try await TestApp.build(configuration, store: store)
        let second = try await TestApp.build(configuration, store: store)
        try await first.test(.router) { one in
            try await second.test(.router) { two in
                try await test(APIClient(client: one), APIClient(client: two))
            }
        }
    }

    @Test("login attempts for one email, split between two replicas, hit 429 at the same total")
    func perEmailAcrossReplicas() async throws {
        let redisURL = try Self.redisURL()
        try await Self.withTwoReplicas({
            $0.rateLimitRedisURL = redisURL
            $0.authRateLimitPerEmail = 4
        }) { one, two in
            let email = TestApp.uniqueEmail("shared-limit")
            _ = try await one.register(email: email)
            for attempt in 0..<4 {
                let replica = attempt.isMultiple(of: 2) ? one : two
                let response = try await replica.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: email, password: "wrong-pass"))
                response.expectError(.unauthorized, .invalidCredentials)
            }
            // The fifth attempt is refused on either replica, even with the right password.
            for replica in [one, two] {
                let limited = try await replica.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"))
                limited.expectError(.tooManyRequests, .rateLimited)
                let retryAfter = try #require(Int(limited.headers[.retryAfter] ?? ""))
                #expect((1...60).contains(retryAfter))
            }
            // Another email is unaffected.
            let other = try await two.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"))
            other.expectError(.unauthorized, .invalidCredentials)
        }
    }

    @Test("attempts from one client address are counted across replicas, login and register apart")
    func perAddressAcrossReplicas() async throws {
        let redisURL = try Self.redisURL()
        try await Self.withTwoReplicas({
            $0.rateLimitRedisURL = redisURL
            $0.authRateLimitPerAddress = 3
            $0.http.trustProxy = true
        }) { one, two in
            let from = [("X-Forwarded-For", "test-\(UUID().uuidString)")]
            for replica in [one, two, one] {
                let response = try await replica.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                    headers: from)
                response.expectError(.unauthorized, .invalidCredentials)
            }
            let limited = try await two.send(
                .post, "/v1/auth/login", json: LoginRequest(email: TestApp.uniqueEmail(), password: "password1"),
                headers: from)
            limited.expectError(.tooManyRequests, .rateLimited)
            let register = try await two.send(
                .post, "/v1/auth/register",
                json: RegisterRequest(email: TestApp.uniqueEmail(), password: "password1", displayName: "R"), headers: from)
            #expect(register.status == .created, "register counts separately from login: \(register.text)")
        }
    }

    @Test("with Redis down, attempts fail open to per-process limits and are counted in /metrics")
    func failOpenWhenRedisIsDown() async throws {
        // Metric handles bind to the factory installed when they are made.
        MetricsBootstrap.bootstrap()
        let configuration = try await TestApp.configuration {
            $0.rateLimitRedisURL = "redis://127.0.0.1:1"  // nothing listens on port 1
            $0.authRateLimitPerEmail = 2
        }
        var quiet = Logger(label: "meet.test.api.redis-down")
        quiet.logLevel = .error  // the client's reconnect warnings are expected here
        let app = try await TestApp.build(configuration, logger: quiet)
        try await app.test(.router) { client in
            let api = APIClient(client: client)
            let email = TestApp.uniqueEmail("redis-down")
            for _ in 0..<2 {
                let response = try await api.send(
                    .post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"))
                response.expectError(.unauthorized, .invalidCredentials)
            }
            let limited = try await api.send(.post, "/v1/auth/login", json: LoginRequest(email: email, password: "password1"))
            limited.expectError(.tooManyRequests, .rateLimited)

            let metrics = try await api.send(.get, "/metrics").text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("meet_api_rate_limit_fail_open_total ") }
            let value = try #require(line.flatMap { Double($0.split(separator: " ").last ?? "") }, "metrics: \(metrics)")
            #expect(value >= 3)
        }
    }

    @Test("MEET_REDIS_URL turns the shared limiter on only when set, and must be redis://")
    func configuration() async throws {
        let base = [
            "MEET_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/meet",
            "MEET_JWT_SECRET": String(repeating: "j", count: 32),
        ]
        #expect(try APIConfiguration(environment: EnvironmentReader(base)).rateLimitRedisURL == nil)
        var withRedis = base
        withRedis["MEET_REDIS_URL"] = "redis://cache.internal:6380/2"
        #expect(try APIConfiguration(environment: EnvironmentReader(withRedis)).rateLimitRedisURL == "redis://cache.internal:6380/2")

        let tls = try await TestApp.configuration { $0.rateLimitRedisURL = "rediss://:secret@cache.internal:6380" }
        do {
            _ = try await TestApp.build(tls)
            Issue.record("accepted rediss://, which the Redis client does not support")
        } catch let error as ConfigurationError {
            #expect(error.variable == "MEET_REDIS_URL")
            #expect(!error.message.contains("secret"), "the message must not echo the password")
        }
    }
}
