import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MeetAuth
import MeetCore
import PostgresNIO
@testable import MeetAPI

/// Builds meet-api for unit tests, on in-memory storage (``APIStorage/memory(_:)``):
/// no PostgreSQL needed. The PostgreSQL adapters are held to the same
/// contract in MeetAPIIntegrationTests.
///
/// Tests isolate themselves with unique emails, so a store may be shared
/// (two replicas of one deployment share one).
enum TestApp {
    static let secret = "meet-api-tests-secret-0123456789abcdef"
    static let logger: Logger = {
        var logger = Logger(label: "meet.test.api")
        logger.logLevel = .warning
        return logger
    }()

    /// A database that is never connected to: the storage is in memory.
    static let unusedDatabase = try! DatabaseConfiguration(url: "postgres://unused@127.0.0.1:1/unused?sslmode=disable")

    static func configuration(_ tweak: (inout APIConfiguration) -> Void = { _ in }) async throws -> APIConfiguration {
        var configuration = APIConfiguration(
            core: CoreConfiguration(
                mode: .development,
                logging: LoggingConfiguration(level: .warning, format: .text),
                database: self.unusedDatabase,
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

    /// A fresh application on `store` (a new one by default).
    static func build(
        _ configuration: APIConfiguration, store: MemoryStore = MemoryStore(), logger: Logger = TestApp.logger
    ) async throws -> some ApplicationProtocol {
        try await buildApplication(configuration: configuration, logger: logger, storage: .memory(store))
    }

    /// Runs `test` against a router-level test client of a fresh application.
    static func run<Value: Sendable>(
        _ tweak: (inout APIConfiguration) -> Void = { _ in },
        store: MemoryStore = MemoryStore(),
        _ test: @Sendable (APIClient) async throws -> Value
    ) async throws -> Value {
        let app = try await self.build(try await self.configuration(tweak), store: store)
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
        let app = try await self.build(try await self.configuration(tweak))
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
