import Foundation
import Logging
import MeetCore
import MeetDatabase
import PostgresNIO
import Testing

/// The PostgreSQL the integration tests use, from `MEET_TEST_DATABASE_URL`
/// (set by scripts/test). Tests fail, not skip, when it is missing.
enum TestPostgres {
    static let logger: Logger = {
        var logger = Logger(label: "meet.test.core")
        logger.logLevel = .warning
        return logger
    }()

    static func configuration() throws -> DatabaseConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError(
                "MEET_TEST_DATABASE_URL is not set; run through scripts/test or export it, e.g. postgres://postgres@127.0.0.1:55432/meet_dev"
            )
        }
        return try DatabaseConfiguration(url: url, operationTimeout: .seconds(30))
    }

    /// Runs `body` with a running ``Database`` for `configuration`.
    static func withDatabase<Value: Sendable>(
        _ configuration: DatabaseConfiguration,
        _ body: @Sendable (Database) async throws -> Value
    ) async throws -> Value {
        let database = Database(configuration: configuration, logger: self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Runs `body` with a brand-new, empty database, dropped afterwards.
    static func withFreshDatabase<Value: Sendable>(
        _ body: @Sendable (DatabaseConfiguration) async throws -> Value
    ) async throws -> Value {
        let base = try self.configuration()
        let name = "meet_test_core_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await self.withDatabase(base) { admin in
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        do {
            let value = try await body(base.with(database: name))
            try await self.drop(name, base: base)
            return value
        } catch {
            try? await self.drop(name, base: base)
            throw error
        }
    }

    private static func drop(_ name: String, base: DatabaseConfiguration) async throws {
        try await self.withDatabase(base) { admin in
            _ = try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
