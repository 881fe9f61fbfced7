import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MeetCore
import PostgresNIO
@testable import MeetAPI

/// Builds meet-api against the test PostgreSQL (`MEET_TEST_DATABASE_URL`).
///
/// The process creates one fresh database for all API tests (so the real
/// start-up migration runs on an empty database once, and as a no-op for
/// every later app); tests isolate themselves with unique emails.
enum TestApp {
    static let secret = "meet-api-tests-secret-0123456789abcdef"
    static let logger: Logger = {
        var logger = Logger(label: "meet.test.api")
        logger.logLevel = .warning
        return logger
    }()

    static func baseDatabase() throws -> DatabaseConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError(
                "MEET_TEST_DATABASE_URL is not set; run through scripts/test or export it, e.g. postgres://postgres@127.0.0.1:55432/meet_dev"
            )
        }
        return try DatabaseConfiguration(url: url, operationTimeout: .seconds(30))
    }

    /// Created once per test process, named `meet_test_api_<unix time>_<random>`.
    /// Databases of earlier runs older than an hour are dropped first (a
    /// plain DROP, which fails harmlessly on one still in use), so repeated
    /// runs against a long-lived PostgreSQL do not pile them up.
    private static let sharedDatabaseName = Task<String, any Error> {
        let base = try baseDatabase()
        let now = Int(Date().timeIntervalSince1970)
        let name = "meet_test_api_\(now)_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        let admin = Database(configuration: base, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.client.run() }
            defer { group.cancelAll() }
            let stale = try await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'meet\\_test\\_api\\_%'")
            for row in stale {
                let old = try row.decode(String.self)
                let parts = old.split(separator: "_")
                guard parts.count == 5, let created = Int(parts[3]), now - created > 3600,
                    old.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                else { continue }
                _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(old)"))
            }
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return name
    }

    static func configuration(_ tweak: (inout APIConfiguration) -> Void = { _ in }) async throws -> APIConfiguration {
        let database = try baseDatabase().with(database: try await self.sharedDatabaseName.value)
        var configuration = APIConfiguration(
            core: CoreConfiguration(
                mode: .development,
                logging: LoggingConfiguration(level: .warning, format: .text),
                database: database,
                redisURL: "redis://127.0.0.1:6379",
                jwt: try JWTConfiguration(secret: self.secret)
            ),
            http: HTTPConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: 16 * 1024),
            publicWebSocketURL: "ws://ws.test/v1/ws",
            bcryptCost: 4,
            authRateLimitPerEmail: 1_000_000,
            authRateLimitPerAddress: 1_000_000,
            authRateLimitPerEmailGlobal: 1_000_000,
            authUnderAttackDelay: .zero,
            guestJoinRateLimitPerMeeting: 1_000_000,
            guestJoinRateLimitPerAddress: 1_000_000
        )
        tweak(&configuration)
        return configuration
    }

    /// Runs `test` against a router-level test client of a fresh application.
    static func run<Value: Sendable>(
        _ tweak: (inout APIConfiguration) -> Void = { _ in },
        _ test: @Sendable (APIClient) async throws -> Value
    ) async throws -> Value {
        let configuration = try await self.configuration(tweak)
        let app = try await buildApplication(configuration: configuration, logger: self.logger)
        return try await app.test(.router) { client in
            try await test(APIClient(client: client))
        }
    }

    /// Runs `test` against a live server of a fresh application (a real
    /// socket on a free port), for connection-level behaviour.
    static func runLive<Value: Sendable>(
        _ tweak: (inout APIConfiguration) -> Void = { _ in },
        _ test: @Sendable (APIClient, Int) async throws -> Value
    ) async throws -> Value {
        let configuration = try await self.configuration(tweak)
        let app = try await buildApplication(configuration: configuration, logger: self.logger)
        return try await app.test(.live) { client in
            guard let port = client.port else { throw TestSetupError("the live test client has no port") }
            return try await test(APIClient(client: client), port)
        }
    }

    /// The token service the app under test uses (same secret), for forging
    /// expired tokens and checking join tokens.
    static func tokenService(now: @escaping @Sendable () -> Date = { Date() }) async throws -> TokenService {
        await TokenService(configuration: try JWTConfiguration(secret: self.secret), now: now)
    }

    static func uniqueEmail(_ prefix: String = "user") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
