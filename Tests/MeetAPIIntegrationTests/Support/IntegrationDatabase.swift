import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Testing
@testable import MeetAPI

/// meet-api against the test PostgreSQL (`MEET_TEST_DATABASE_URL`).
///
/// The process creates one fresh database for all these tests (so the real
/// start-up migration runs on an empty database once, and as a no-op for
/// every later app); tests isolate themselves with unique ids and emails.
enum IntegrationDatabase {
    static let secret = "meet-api-integration-secret-0123456789abcdef"
    static let logger: Logger = {
        var logger = Logger(label: "meet.test.api.integration")
        logger.logLevel = .warning
        return logger
    }()

    static func baseDatabase() throws -> DatabaseConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"], !url.isEmpty else {
            throw IntegrationSetupError(
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
                let old = try RowColumns(row).decode("datname", as: String.self)
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

    /// The shared test database's configuration.
    static func configuration() async throws -> DatabaseConfiguration {
        try baseDatabase().with(database: try await self.sharedDatabaseName.value)
    }

    /// Runs `body` with a migrated ``Database`` on the shared test database, its pool running.
    static func withDatabase<Value: Sendable>(_ body: @Sendable (Database) async throws -> Value) async throws -> Value {
        let database = Database(configuration: try await self.configuration(), logger: self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            try await migrateSchema(database, logger: self.logger)
            return try await body(database)
        }
    }

    /// meet-api's configuration on the shared test database, relaxed for tests.
    static func apiConfiguration(_ tweak: (inout APIConfiguration) -> Void = { _ in }) async throws -> APIConfiguration {
        var configuration = APIConfiguration(
            core: CoreConfiguration(
                mode: .development,
                logging: LoggingConfiguration(level: .warning, format: .text),
                database: try await self.configuration(),
                redisURL: "redis://127.0.0.1:6379",
                jwt: try JWTConfiguration(secret: self.secret)
            ),
            http: HTTPConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: 16 * 1024),
            bcryptCost: 4
        )
        tweak(&configuration)
        return configuration
    }

    /// Runs `test` against a router-level client of meet-api as the service
    /// builds it: on PostgreSQL, migrated at start-up.
    static func runApp<Value: Sendable>(
        _ tweak: (inout APIConfiguration) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try await buildApplication(configuration: try await self.apiConfiguration(tweak), logger: self.logger)
        return try await app.test(.router, test)
    }
}

extension TestResponse {
    /// The `error.code` of a JSON error body, if this is one.
    var errorCode: ErrorCode? {
        try? JSONDecoder().decode(ErrorBody.self, from: Data(self.body.readableBytesView)).error.code
    }
}

struct IntegrationSetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
