import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import Testing
@testable import MeetAPI

/// meet-api against the test PostgreSQL (`MEET_TEST_DATABASE_URL`).
///
/// The process creates one fresh database for all these tests (so the real
/// start-up migration runs on an empty database once, and as a no-op for
/// every later app); tests isolate themselves with unique ids and emails.
enum IntegrationDatabase {
    static let secret = "meet-api-integration-secret-0123456789abcdef"
    static var logger: Logger { TestPostgres.logger }

    /// Created once per test process, named `meet_test_api_<unix time>_<random>`
    /// (``TestPostgres/createSharedDatabase(prefix:)``).
    private static let sharedDatabaseName = Task<String, any Error> {
        try await TestPostgres.createSharedDatabase(prefix: "meet_test_api")
    }

    /// The shared test database's configuration.
    static func configuration() async throws -> DatabaseConfiguration {
        try TestPostgres.configuration().with(database: try await self.sharedDatabaseName.value)
    }

    /// Runs `body` with a migrated ``Database`` on the shared test database, its pool running.
    static func withDatabase<Value: Sendable>(_ body: @Sendable (Database) async throws -> Value) async throws -> Value {
        try await TestPostgres.withDatabase(try await self.configuration()) { database in
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
